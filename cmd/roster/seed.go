package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-hub/roster/internal/postgres"
	"github.com/roster-hub/roster/internal/server"
)

// seedBig loads the benchmark data set (postgres.SeedBig) with a progress
// bar on stderr.
func seedBig(ctx context.Context, pool *pgxpool.Pool, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	users := fs.Int("users", 1000000, "people in the main account")
	invitations := fs.Int("invitations", 200000, "invitations in the main account")
	groups := fs.Int("groups", 500, "groups in the main account")
	accounts := fs.Int("accounts", 0, "extra accounts of -extra-users people each")
	extra := fs.Int("extra-users", 100000, "people in each extra account")
	sessions := fs.Int("sessions", 0, "database sessions loading at once (0: one more than the cores, 3 to 5)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *users < 1 || *invitations < 0 || *groups < 1 || *accounts < 0 {
		return errors.New("seed: --users and --groups must be positive, --invitations and --accounts not negative")
	}
	key, err := tokenKey(ctx, postgres.NewAccountStore(pool), getenv)
	if err != nil {
		return err
	}
	hash, err := server.HashPassword(postgres.BigAdminPassword, 10)
	if err != nil {
		return err
	}
	bar := newProgressBar(os.Stderr)
	res, err := postgres.SeedBig(ctx, pool, postgres.BigSeed{
		Users: *users, Invitations: *invitations, Groups: *groups, Accounts: *accounts, ExtraUsers: *extra,
		AdminHash: hash, Key: key, Now: time.Now(), Seed: 2026, Progress: bar.update, Sessions: *sessions,
	})
	bar.done()
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	writeSeedPhases(stdout, res)
	fmt.Fprintf(stdout, "Seeded %d people, %d invitations, %d groups in %q (+%d accounts) in %s. Sign in as %s / %s.\n",
		*users, *invitations, *groups, postgres.BigAccountName, *accounts, res.Duration.Round(time.Millisecond),
		postgres.BigAdminEmail, postgres.BigAdminPassword)
	return nil
}

// writeSeedPhases says where the seed's time went: the phases overlap
// (a table's indexes are built while the next tables load), so each shows
// its span and how long its steps kept the sessions busy.
func writeSeedPhases(w io.Writer, res postgres.BigSeedResult) {
	for _, p := range res.Phases {
		fmt.Fprintf(w, "  %-9s %6.1fs  (%5.1fs to %5.1fs; %3d steps, %6.1fs of session time", p.Name, (p.End - p.Start).Seconds(),
			p.Start.Seconds(), p.End.Seconds(), p.Steps, p.Busy.Seconds())
		if p.Longest != "" && p.Steps > 1 {
			fmt.Fprintf(w, "; longest %.1fs: %s", p.LongestTook.Seconds(), p.Longest)
		}
		fmt.Fprintln(w, ")")
	}
	if res.PeopleLoaded > 0 {
		fmt.Fprintf(w, "  The main account's people, memberships and roles were loaded at %.1fs (their indexes, counters and statistics followed).\n",
			res.PeopleLoaded.Seconds())
	}
}

// progressBar draws "stage [#####.....] 45%" on one terminal line; a
// finished stage keeps its line, with the seconds it took.
type progressBar struct {
	w          io.Writer
	start      time.Time
	last       time.Time
	stage      string
	stageStart time.Time
}

func newProgressBar(w io.Writer) *progressBar { return &progressBar{w: w, start: time.Now()} }

func (p *progressBar) update(stage string, done, total int) {
	now := time.Now()
	if stage == p.stage && done < total && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	if stage != p.stage {
		if p.stage != "" {
			fmt.Fprintln(p.w)
		}
		p.stageStart = now
	}
	p.stage, p.last = stage, now
	frac := 1.0
	if total > 0 {
		frac = float64(done) / float64(total)
	}
	const width = 30
	n := int(frac * width)
	fmt.Fprintf(p.w, "\r%-10s [%s%s] %3.0f%% %11s/%-11s %6.1fs (at %6.1fs)", stage, strings.Repeat("#", n), strings.Repeat(".", width-n),
		frac*100, groupDigits(done), groupDigits(total), now.Sub(p.stageStart).Seconds(), now.Sub(p.start).Seconds())
}

func (p *progressBar) done() {
	if p.stage != "" {
		fmt.Fprintln(p.w)
	}
}

func groupDigits(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
