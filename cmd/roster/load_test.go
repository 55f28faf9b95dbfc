package main

import (
	"context"
	"fmt"
	"html"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-hub/roster/internal/mail/mailtest"
	"github.com/roster-hub/roster/internal/postgres"
)

// TestLoad runs signed-in clients against the real server (`roster serve`
// in this process, real PostgreSQL, real SMTP) for a while, mixing reads
// and writes the way administrators, members and invitees do: search,
// filter and page people, look at invitations, invite by email, accept
// invitations on the invitee page, create invite links, join through them
// (start and confirm with the emailed code), approve and deny join
// requests, and bulk actions on people. No answer may be a 5xx, every
// client must finish (no deadlock), and afterwards every counter equals a
// recount and every invitation has exactly one outcome.
//
// make soak: 200 clients for 60 seconds. make test: 60 clients for 8
// seconds (on two cores 200 clients get a handful of requests each in
// that time, too few to carry invitations and joins through every step).
func TestLoad(t *testing.T) {
	clients, length := 60, 8*time.Second
	if soak() {
		clients, length = 200, 60*time.Second
	}
	// LOAD_CLIENTS and LOAD_SECONDS change the run (to explore; neither
	// is needed by make test or make soak).
	if n, err := strconv.Atoi(os.Getenv("LOAD_CLIENTS")); err == nil && n > 0 {
		clients = n
	}
	if n, err := strconv.Atoi(os.Getenv("LOAD_SECONDS")); err == nil && n > 0 {
		length = time.Duration(n) * time.Second
	}
	ctx := context.Background()
	dbURL := postgres.NewDBURL(t)
	pool := openPool(t, dbURL)
	smtp := mailtest.NewServer(t)
	srv := startInProcess(t, serveEnv(dbURL, smtp.URL()))
	lf := newLoadFixture(t, srv.URL, pool)

	// Sign everyone in first: three in four clients are administrators (20
	// of them, several sessions each), the others members.
	type actor struct {
		c     *client
		admin bool
		ip    int
	}
	actors := make([]actor, clients)
	var wg sync.WaitGroup
	var signInErr atomic.Value
	for i := range actors {
		a := actor{c: newClient(srv.URL, loopbackIP(i), time.Minute), admin: i%4 != 3, ip: i}
		email := lf.admins[i%len(lf.admins)]
		if !a.admin {
			email = lf.members[i%len(lf.members)]
		}
		actors[i] = a
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.c.signIn(ctx, email, testPassword); err != nil {
				signInErr.Store(err)
			}
		}()
	}
	wg.Wait()
	if err, _ := signInErr.Load().(error); err != nil {
		t.Fatal(err)
	}

	st := &loadState{lf: lf, smtp: smtp, base: srv.URL, accepts: map[string]int{}}
	start := time.Now()
	end := start.Add(length)
	done := make(chan struct{})
	var finished atomic.Int32
	for i, a := range actors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer finished.Add(1)
			rng := rand.New(rand.NewPCG(uint64(i), 42))
			// Past the end, until every flow ran at least once (a join
			// approved takes four steps through the queue and the mail
			// server; a busy machine may need longer), at most a minute.
			for time.Now().Before(end) || (!st.everyFlowRan() && time.Now().Before(end.Add(time.Minute))) {
				if a.admin {
					st.adminStep(ctx, t, a.c, rng, a.ip)
				} else {
					st.memberStep(ctx, a.c, rng)
				}
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(length + 3*time.Minute):
		t.Fatalf("%d of %d clients still busy 3 minutes after the end: a deadlock or a hang", clients-int(finished.Load()), clients)
	}
	elapsed := time.Since(start)

	// No 5xx, no transport error, nothing unexpected.
	st.mu.Lock()
	samples := st.samples
	st.mu.Unlock()
	statuses := map[int]int{}
	for _, s := range samples {
		statuses[s.status]++
		switch {
		case s.err != nil:
			t.Errorf("%s: %v", s.kind, s.err)
		case s.status >= 500:
			t.Errorf("%s answered %d\n%.2000s", s.kind, s.status, s.body)
		case !slices.Contains(expected[s.kind], s.status):
			t.Errorf("%s answered %d, expected one of %v\n%.1000s", s.kind, s.status, expected[s.kind], s.body)
		}
	}
	for _, l := range srv.log.errors() {
		t.Errorf("logged as an error: %s", l)
	}
	// An email invitation accepted at most once, whatever the races.
	for tok, n := range st.accepts {
		if n > 1 {
			t.Errorf("invitation %s… accepted %d times", tok[:8], n)
		}
	}

	// Afterwards, with every email sent: the database agrees with itself.
	drain := waitQueueIdle(t, pool, 2*time.Minute)
	problems, err := postgres.CheckConsistency(ctx, pool, lf.accountID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	var inv, accepted, pendingInv, links, linkUses, joined, requests, approved, denied, people int
	if err := pool.QueryRow(ctx, `SELECT
	    (SELECT count(*) FROM invitations WHERE account_id = $1 AND kind = 'email'),
	    (SELECT count(*) FROM invitations WHERE account_id = $1 AND kind = 'email' AND status = 'accepted'),
	    (SELECT count(*) FROM invitations WHERE account_id = $1 AND kind = 'email' AND status = 'pending'),
	    (SELECT count(*) FROM invitations WHERE account_id = $1 AND kind = 'link'),
	    (SELECT coalesce(sum(use_count), 0) FROM invitations WHERE account_id = $1 AND kind = 'link'),
	    (SELECT count(*) FROM users WHERE account_id = $1 AND invitation_id IN (SELECT id FROM invitations WHERE account_id = $1 AND kind = 'link')),
	    (SELECT count(*) FROM join_requests WHERE account_id = $1 AND status = 'pending'),
	    (SELECT count(*) FROM join_requests WHERE account_id = $1 AND status = 'approved'),
	    (SELECT count(*) FROM join_requests WHERE account_id = $1 AND status = 'denied'),
	    (SELECT count(*) FROM users WHERE account_id = $1)`, lf.accountID).
		Scan(&inv, &accepted, &pendingInv, &links, &linkUses, &joined, &requests, &approved, &denied, &people); err != nil {
		t.Fatal(err)
	}

	// The figures.
	kinds := map[string][]time.Duration{}
	var all []time.Duration
	for _, s := range samples {
		d := s.end.Sub(s.start)
		kinds[s.kind] = append(kinds[s.kind], d)
		all = append(all, d)
	}
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	slices.Sort(names)
	var b strings.Builder
	fmt.Fprintf(&b, "%d clients for %v: %d requests (%.0f/s), p50 %v, p95 %v, max %v; statuses %v\n", clients, elapsed.Round(time.Millisecond),
		len(samples), float64(len(samples))/elapsed.Seconds(), pctl(all, 50), pctl(all, 95), pctl(all, 100), statuses)
	for _, k := range names {
		fmt.Fprintf(&b, "  %-16s %6d  p50 %8v  p95 %8v\n", k, len(kinds[k]), pctl(kinds[k], 50), pctl(kinds[k], 95))
	}
	fmt.Fprintf(&b, "afterwards: %d people; %d email invitations (%d accepted, %d pending); %d links used %d times "+
		"(%d joined, %d requests pending, %d approved, %d denied); %d emails, the queue drained in %v; consistency problems: %d",
		people, inv, accepted, pendingInv, links, linkUses, joined, requests, approved, denied, len(smtp.Messages()), drain.Round(time.Millisecond), len(problems))
	fmt.Fprintf(&b, "; joins still waiting for their code at the end: %d", len(st.joins))
	t.Log(b.String())
	for _, k := range flows {
		if len(kinds[k]) == 0 {
			t.Errorf("no %q request ran", k)
		}
	}
}

// expected are the answers each kind of request may get; anything else is
// a failure. Races are part of the load: two people accepting the same
// invitation (one wins, the other sees it used), a link used up between
// its page and the submit, a join request decided by another administrator.
var expected = map[string][]int{
	"search":          {200},
	"search (htmx)":   {200},
	"filter":          {200},
	"page":            {200},
	"invitations":     {200},
	"join requests":   {200},
	"invite":          {200},
	"create link":     {200},
	"accept":          {303},
	"accept (race)":   {303, 410},
	"join":            {200, 410},
	"join confirm":    {200, 303, 410, 422},
	"approve":         {303, 409},
	"deny":            {303, 409},
	"bulk":            {303},
	"my account":      {200},
	"hub (member)":    {403},
	"person (detail)": {200},
}

// flows are the kinds of request every run must include.
var flows = []string{"search", "filter", "page", "invitations", "invite", "accept", "accept (race)", "create link",
	"join", "join confirm", "join requests", "approve", "bulk", "my account", "hub (member)"}

// everyFlowRan reports whether every one of flows answered at least once.
func (st *loadState) everyFlowRan() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.allRan {
		return true
	}
	seen := map[string]bool{}
	for _, s := range st.samples {
		seen[s.kind] = true
	}
	for _, k := range flows {
		if !seen[k] {
			return false
		}
	}
	st.allRan = true
	return true
}

// loadFixture is the account under load: groups, roles, people to find,
// administrators and members to sign in as.
type loadFixture struct {
	accountID          int64
	rootGroup, roleIDs []int64 // rootGroup has one element
	groups             []int64 // subgroups
	adminRole          int64
	people             []int64 // people the bulk actions act on
	admins, members    []string
}

func newLoadFixture(t *testing.T, base string, pool *pgxpool.Pool) *loadFixture {
	t.Helper()
	ctx := context.Background()
	owner := newClient(base, nil, time.Minute)
	owner.signUp(t, "Load Test Corp", "Lou Owner", "lou@load.example")
	lf := &loadFixture{}
	var root int64
	if err := pool.QueryRow(ctx, `SELECT account_id, (SELECT id FROM groups g WHERE g.account_id = u.account_id AND parent_id IS NULL)
	FROM users u WHERE email = 'lou@load.example'`).Scan(&lf.accountID, &root); err != nil {
		t.Fatal(err)
	}
	lf.rootGroup = []int64{root}
	for _, name := range []string{"Finance", "Sales", "Engineering", "Operations"} {
		if res, err := owner.post(ctx, "/groups", url.Values{"name": {name}, "parent": {strconv.FormatInt(root, 10)}}); err != nil || res.Status >= 400 {
			t.Fatalf("create group %s: %d %v", name, res.Status, err)
		}
	}
	rows, _ := pool.Query(ctx, `SELECT id FROM groups WHERE account_id = $1 AND parent_id IS NOT NULL ORDER BY id`, lf.accountID)
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		lf.groups = append(lf.groups, id)
	}
	rows.Close()
	rows, _ = pool.Query(ctx, `SELECT id, key FROM roles WHERE account_id = $1 ORDER BY id`, lf.accountID)
	for rows.Next() {
		var id int64
		var key string
		rows.Scan(&id, &key)
		if key == "administrator" {
			lf.adminRole = id
		} else {
			lf.roleIDs = append(lf.roleIDs, id)
		}
	}
	rows.Close()
	if len(lf.groups) != 4 || len(lf.roleIDs) != 4 || lf.adminRole == 0 {
		t.Fatalf("fixture: groups %v roles %v admin %d", lf.groups, lf.roleIDs, lf.adminRole)
	}

	// 20 administrators, 10 members, 400 people with varied names, groups
	// and roles (the counters are kept by the triggers as usual).
	hash := hashPassword(t)
	first := []string{"Ana", "Bruno", "Chloé", "Dmitri", "Eva", "Farid", "Grace", "Hugo", "Inès", "Jonas", "Kenji", "Lena", "Mateo", "Nora", "Omar", "Priya"}
	last := []string{"Schmidt", "Dubois", "García", "Rossi", "Smith", "Patel", "Müller", "Martin", "López", "Bianchi"}
	_, err := pool.Exec(ctx, `
	WITH p AS (
	    INSERT INTO users (account_id, email, name, password_hash, last_sign_in_at)
	    SELECT $1, kind || i || '@load.example', ($2::text[])[1 + i % 16] || ' ' || ($3::text[])[1 + i % 10] || ' ' || i, $4,
	           CASE WHEN i % 3 = 0 THEN NULL ELSE now() - i * interval '1 hour' END
	    FROM (SELECT 'admin' AS kind, i FROM generate_series(1, 20) i
	          UNION ALL SELECT 'member', i FROM generate_series(1, 10) i
	          UNION ALL SELECT 'person', i FROM generate_series(1, 400) i) s
	    RETURNING id, email
	), m AS (
	    INSERT INTO memberships (account_id, user_id, group_id)
	    SELECT $1, p.id, CASE WHEN p.email LIKE 'admin%' THEN $5 ELSE ($6::bigint[])[1 + p.id % 4] END
	    FROM p WHERE p.email NOT LIKE 'person%0@%'
	    RETURNING user_id, group_id
	)
	INSERT INTO role_assignments (account_id, user_id, group_id, role_id)
	SELECT $1, m.user_id, m.group_id, CASE WHEN p.email LIKE 'admin%' THEN $7 ELSE ($8::bigint[])[1 + p.id % 4] END
	FROM m JOIN p ON p.id = m.user_id WHERE p.email NOT LIKE 'member%'`,
		lf.accountID, first, last, hash, root, lf.groups, lf.adminRole, lf.roleIDs)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 20; i++ {
		lf.admins = append(lf.admins, fmt.Sprintf("admin%d@load.example", i))
	}
	for i := 1; i <= 10; i++ {
		lf.members = append(lf.members, fmt.Sprintf("member%d@load.example", i))
	}
	rows, _ = pool.Query(ctx, `SELECT id FROM users WHERE account_id = $1 AND email LIKE 'person%' ORDER BY id`, lf.accountID)
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		lf.people = append(lf.people, id)
	}
	rows.Close()
	return lf
}

// loadState is what the clients share: the samples, and the invitations
// and joins in progress.
type loadState struct {
	lf   *loadFixture
	smtp *mailtest.Server
	base string

	mu       sync.Mutex
	samples  []sample
	next     int
	used     map[string]bool // invitation tokens handed to an invitee
	accepts  map[string]int  // successful accepts per token
	links    []string        // tokens of invite links
	joins    []pendingJoin   // joins started, waiting for their code
	seenMail int             // messages scanned for invitation links
	tokens   []string        // invitation tokens not yet handed out
	allRan   bool            // every flow answered at least once
}

type pendingJoin struct {
	token, email, request string
	ip                    int
}

func (st *loadState) record(kind string, start time.Time, res response, err error) response {
	s := sample{kind: kind, start: start, end: time.Now(), status: res.Status, err: err}
	if res.Status >= 400 || err != nil {
		s.body = res.Body
	}
	st.mu.Lock()
	st.samples = append(st.samples, s)
	st.mu.Unlock()
	return res
}

func (st *loadState) address(prefix string) string {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.next++
	return fmt.Sprintf("%s%05d@invitee.example", prefix, st.next)
}

// invitationToken hands out an emailed invitation nobody took yet.
func (st *loadState) invitationToken() string {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.used == nil {
		st.used = map[string]bool{}
	}
	msgs := st.smtp.Messages()
	for _, m := range msgs[st.seenMail:] {
		if tok := inviteLinkRE.FindStringSubmatch(m.Text); tok != nil && !st.used[tok[1]] {
			st.used[tok[1]] = true
			st.tokens = append(st.tokens, tok[1])
		}
	}
	st.seenMail = len(msgs)
	if len(st.tokens) == 0 {
		return ""
	}
	tok := st.tokens[0]
	st.tokens = st.tokens[1:]
	return tok
}

var (
	codeSubjectRE = regexp.MustCompile(`^(\d{6}) `)
	requestRE     = regexp.MustCompile(`name="request" value="([^"]+)"`)
	nextPageRE    = regexp.MustCompile(`href="(/users\?[^"]*after=[^"]*)"`)
	approveRE     = regexp.MustCompile(`/join-requests/(\d+)/approve`)
	personRE      = regexp.MustCompile(`href="/users/(\d+)"`)
)

// confirmable returns a started join whose code has arrived, and the code.
func (st *loadState) confirmable() (pendingJoin, string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.joins) == 0 {
		return pendingJoin{}, ""
	}
	codes := map[string]string{}
	for _, m := range st.smtp.Messages() {
		if c := codeSubjectRE.FindStringSubmatch(m.Subject); c != nil {
			codes[m.To] = c[1]
		}
	}
	for i, j := range st.joins {
		if code := codes[j.email]; code != "" {
			st.joins = slices.Delete(st.joins, i, i+1)
			return j, code
		}
	}
	return pendingJoin{}, ""
}

func (st *loadState) memberStep(ctx context.Context, c *client, rng *rand.Rand) {
	start := time.Now()
	if rng.IntN(2) == 0 {
		res, err := c.get(ctx, "/account")
		st.record("my account", start, res, err)
		return
	}
	res, err := c.get(ctx, "/users")
	st.record("hub (member)", start, res, err)
}

func (st *loadState) adminStep(ctx context.Context, t *testing.T, c *client, rng *rand.Rand, ip int) {
	lf := st.lf
	start := time.Now()
	pick := func(ids []int64) string { return strconv.FormatInt(ids[rng.IntN(len(ids))], 10) }
	switch op := rng.IntN(100); {
	case op < 16:
		q := []string{"an", "mar", "é", "smith", "load", "ü", "ri", "person1", "garcía", "zz"}[rng.IntN(10)]
		res, err := c.get(ctx, "/users?q="+url.QueryEscape(q))
		st.record("search", start, res, err)
	case op < 22:
		res, err := c.do(ctx, http.MethodGet, "/users?q="+url.QueryEscape(string(rune('a'+rng.IntN(26)))), nil, true)
		st.record("search (htmx)", start, res, err)
	case op < 32:
		v := url.Values{}
		switch rng.IntN(4) {
		case 0:
			v.Set("status", "active")
			v.Add("role", pick(lf.roleIDs))
		case 1:
			v.Set("group", pick(lf.groups))
		case 2:
			v.Set("never", "1")
		case 3:
			v.Set("status", "deactivated")
			v.Set("sort", "created")
		}
		res, err := c.get(ctx, "/users?"+v.Encode())
		st.record("filter", start, res, err)
	case op < 40:
		sort := []string{"name", "email", "created", "last_sign_in"}[rng.IntN(4)]
		res, err := c.get(ctx, "/users?sort="+sort)
		st.record("page", start, res, err)
		for range 3 {
			m := nextPageRE.FindStringSubmatch(res.Body)
			if err != nil || m == nil {
				break
			}
			start = time.Now()
			res, err = c.get(ctx, html.UnescapeString(m[1]))
			st.record("page", start, res, err)
		}
	case op < 46:
		res, err := c.get(ctx, "/users?tab=invitations&istatus="+[]string{"pending", "accepted", "expiring_soon", "revoked"}[rng.IntN(4)])
		st.record("invitations", start, res, err)
	case op < 49:
		res, err := c.get(ctx, "/users/"+pick(lf.people))
		st.record("person (detail)", start, res, err)
	case op < 61:
		emails := []string{st.address("invitee")}
		for range rng.IntN(3) {
			emails = append(emails, st.address("invitee"))
		}
		res, err := c.post(ctx, "/users/invite", url.Values{"emails": {strings.Join(emails, ", ")},
			"group": {pick(lf.groups)}, "role": {pick(lf.roleIDs)}})
		st.record("invite", start, res, err)
	case op < 72:
		tok := st.invitationToken()
		if tok == "" {
			return
		}
		accept := func(kind string) {
			invitee := newClient(st.base, loopbackIP(ip), time.Minute)
			start := time.Now()
			res, err := invitee.post(ctx, "/invite/"+tok, url.Values{"name": {"Invitee " + tok[:5]}, "password": {testPassword}})
			st.record(kind, start, res, err)
			if err == nil && res.Status == http.StatusSeeOther {
				st.mu.Lock()
				st.accepts[tok]++
				st.mu.Unlock()
			}
		}
		if rng.IntN(5) > 0 {
			accept("accept")
			return
		}
		// Two people submit the same invitation at once.
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() { defer wg.Done(); accept("accept (race)") }()
		}
		wg.Wait()
	case op < 75:
		v := url.Values{"label": {"Load link " + strconv.Itoa(rng.IntN(1000))}, "group": {pick(lf.groups)}, "role": {pick(lf.roleIDs)},
			"max_uses": {strconv.Itoa(2 + rng.IntN(6))}, "validity": {"48"}}
		if rng.IntN(2) == 0 {
			v.Set("approval", "0")
		} else {
			v.Set("approval", "1")
		}
		res, err := c.post(ctx, "/users/links", v)
		st.record("create link", start, res, err)
		if m := joinLinkRE.FindStringSubmatch(res.Body); m != nil {
			st.mu.Lock()
			st.links = append(st.links, m[1])
			st.mu.Unlock()
		}
	case op < 83:
		st.mu.Lock()
		n := len(st.links)
		var tok string
		if n > 0 {
			tok = st.links[rng.IntN(n)]
		}
		st.mu.Unlock()
		if tok == "" {
			return
		}
		email := st.address("joiner")
		joiner := newClient(st.base, loopbackIP(ip), time.Minute)
		res, err := joiner.post(ctx, "/join/"+tok, url.Values{"email": {email}, "name": {"Joiner " + email[6:11]}, "password": {testPassword}})
		st.record("join", start, res, err)
		if m := requestRE.FindStringSubmatch(res.Body); m != nil && res.Status == http.StatusOK {
			st.mu.Lock()
			st.joins = append(st.joins, pendingJoin{token: tok, email: email, request: html.UnescapeString(m[1]), ip: ip})
			st.mu.Unlock()
		}
	case op < 89:
		j, code := st.confirmable()
		if code == "" {
			return
		}
		joiner := newClient(st.base, loopbackIP(j.ip), time.Minute)
		res, err := joiner.post(ctx, "/join/"+j.token+"/confirm", url.Values{"request": {j.request}, "email": {j.email}, "code": {code}})
		st.record("join confirm", start, res, err)
	case op < 94:
		res, err := c.get(ctx, "/users?tab=invitations&istatus=join_request")
		st.record("join requests", start, res, err)
		ids := approveRE.FindAllStringSubmatch(res.Body, -1)
		if len(ids) == 0 {
			return
		}
		id := ids[rng.IntN(len(ids))][1]
		start = time.Now()
		if rng.IntN(4) == 0 {
			res, err = c.post(ctx, "/join-requests/"+id+"/deny", url.Values{})
			st.record("deny", start, res, err)
			return
		}
		res, err = c.post(ctx, "/join-requests/"+id+"/approve", url.Values{"group": {pick(lf.groups)}, "role": {pick(lf.roleIDs)}})
		st.record("approve", start, res, err)
	default:
		v := url.Values{}
		for range 1 + rng.IntN(10) {
			v.Add("id", pick(lf.people))
		}
		switch rng.IntN(6) {
		case 0:
			v.Set("action", "add_group")
			v.Set("group", pick(lf.groups))
			v.Set("role", pick(lf.roleIDs))
		case 1:
			v.Set("action", "remove_group")
			v.Set("group", pick(lf.groups))
		case 2:
			v.Set("action", "grant_role")
			v.Set("group", pick(lf.groups))
			v.Set("role", pick(lf.roleIDs))
		case 3:
			v.Set("action", "revoke_role")
			v.Set("role", pick(lf.roleIDs))
		case 4:
			v.Set("action", "deactivate")
		case 5:
			v.Set("action", "reactivate")
		}
		res, err := c.post(ctx, "/users/bulk", v)
		st.record("bulk", start, res, err)
	}
}

// pctl is the nearest-rank percentile of the durations (sorted in place).
func pctl(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	k := max(0, min(len(d)-1, (len(d)*p+99)/100-1))
	return d[k].Round(time.Millisecond)
}
