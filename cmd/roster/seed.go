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
		AdminHash: hash, Key: key, Now: time.Now(), Seed: 2026, Progress: bar.update,
	})
	bar.done()
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Fprintf(stdout, "Seeded %d people, %d invitations, %d groups in %q (+%d accounts) in %s. Sign in as %s / %s.\n",
		*users, *invitations, *groups, postgres.BigAccountName, *accounts, res.Duration.Round(time.Millisecond),
		postgres.BigAdminEmail, postgres.BigAdminPassword)
	return nil
}

// progressBar draws "stage [#####.....] 45%" on one terminal line.
type progressBar struct {
	w     io.Writer
	start time.Time
	last  time.Time
	stage string
}

func newProgressBar(w io.Writer) *progressBar { return &progressBar{w: w, start: time.Now()} }

func (p *progressBar) update(stage string, done, total int) {
	now := time.Now()
	if stage == p.stage && done < total && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	if stage != p.stage && p.stage != "" {
		fmt.Fprintln(p.w)
	}
	p.stage, p.last = stage, now
	frac := 1.0
	if total > 0 {
		frac = float64(done) / float64(total)
	}
	const width = 30
	n := int(frac * width)
	fmt.Fprintf(p.w, "\r%-28s [%s%s] %3.0f%% %11s/%-11s %6.1fs", stage, strings.Repeat("#", n), strings.Repeat(".", width-n),
		frac*100, groupDigits(done), groupDigits(total), now.Sub(p.start).Seconds())
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
