package server_test

import (
	"encoding/csv"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/roster-hub/roster/internal/postgres"
)

func TestExportPeopleCSV(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	acc := a.id(t, `SELECT account_id FROM users WHERE email = $1`, postgres.DemoAdminEmail)
	evil := a.id(t, `INSERT INTO users (account_id, email, name) VALUES ($1, 'formula@acme.example', '=HYPERLINK("http://evil")') RETURNING id`, acc)
	res, body := a.get(t, c, "/users/export.csv?q=garcia")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var want int
	a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM users WHERE name_key LIKE '%garcia%' OR email_key LIKE '%garcia%'`).Scan(&want)
	if len(rows)-1 != want || want == 0 {
		t.Errorf("%d rows exported, %d match", len(rows)-1, want)
	}
	if rows[0][0] != "Name" || rows[0][3] != "Groups" {
		t.Errorf("header %v", rows[0])
	}
	// Selected people only, and formulas neutralised.
	member := a.id(t, `SELECT id FROM users WHERE email = $1`, postgres.DemoMemberEmail)
	_, body = a.get(t, c, "/users/export.csv?"+url.Values{"id": {strconv.FormatInt(evil, 10), strconv.FormatInt(member, 10)}}.Encode())
	rows, _ = csv.NewReader(strings.NewReader(body)).ReadAll()
	if len(rows) != 3 {
		t.Fatalf("selected export: %d rows", len(rows))
	}
	for _, r := range rows[1:] {
		if strings.HasPrefix(r[0], "=") {
			t.Errorf("formula not neutralised: %q", r[0])
		}
		if r[1] == postgres.DemoMemberEmail && !strings.Contains(r[4], "Requisitioner (Finance > Payables)") {
			t.Errorf("member's roles column %q", r[4])
		}
	}
	// Another account's administrator exports only their own people.
	other := a.client(t)
	a.post(t, other, "/signup", url.Values{"account": {"Initech"}, "name": {"Bill L"}, "email": {"bill@initech.example"}, "password": {"tps-reports-2026"}})
	_, body = a.get(t, other, "/users/export.csv?"+url.Values{"id": {strconv.FormatInt(member, 10)}}.Encode())
	if rows, _ := csv.NewReader(strings.NewReader(body)).ReadAll(); len(rows) != 1 {
		t.Errorf("another account exported %d foreign rows", len(rows)-1)
	}
	_, body = a.get(t, other, "/users/export.csv")
	if strings.Contains(body, "acme.example") {
		t.Errorf("another account's export contains Acme people")
	}
}

func TestExportInvitationsCSV(t *testing.T) {
	t.Parallel()
	a := readOnlyApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	for _, tt := range []struct{ query, sql string }{
		{"", `SELECT (SELECT count(*) FROM invitations) + (SELECT count(*) FROM join_requests WHERE status = 'pending')`},
		{"?istatus=accepted", `SELECT count(*) FROM invitations WHERE status = 'accepted'`},
		{"?istatus=join_request", `SELECT count(*) FROM join_requests WHERE status = 'pending'`},
	} {
		res, body := a.get(t, c, "/invitations/export.csv"+tt.query)
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("%s: %d %v", tt.query, res.StatusCode, err)
		}
		want := int(a.id(t, tt.sql))
		if len(rows)-1 != want {
			t.Errorf("%s: %d rows, want %d", tt.query, len(rows)-1, want)
		}
	}
	other := a.client(t)
	a.post(t, other, "/signup", url.Values{"account": {"Hooli"}, "name": {"Gavin B"}, "email": {"gavin@hooli.example"}, "password": {"tethics-2026-x"}})
	if _, body := a.get(t, other, "/invitations/export.csv"); strings.Count(body, "\n") != 1 {
		t.Errorf("another account's invitations export is not empty: %q", body)
	}
}
