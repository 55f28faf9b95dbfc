package postgres

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-hub/roster/migrations"
)

// TestClusterSettings are the server settings of the private test cluster:
// durability is traded for speed, and parallel test binaries need headroom.
var TestClusterSettings = []string{"fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=400"}

var testBase struct {
	once     sync.Once
	url      string // server URL (maintenance database)
	template string
	err      error
}

// NewDB returns a pool on a fresh database of its own, cloned from a
// migrated template, and drops it when the test ends. The server is
// TEST_DATABASE_URL, else the private cluster in .data/test-postgres.
func NewDB(t testing.TB) *pgxpool.Pool {
	t.Helper()
	url := NewDBURL(t)
	pool, err := Open(context.Background(), url, 8)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// NewDBURL is NewDB for callers that open their own connections (a server
// process under test): it returns the fresh database's URL.
func NewDBURL(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	testBase.once.Do(func() { testBase.url, testBase.template, testBase.err = prepareTemplate(ctx) })
	if testBase.err != nil {
		t.Fatalf("test database server: %v", testBase.err)
	}
	name := "roster_test_" + randomHex(8)
	admin, err := pgx.Connect(ctx, testBase.url)
	if err != nil {
		t.Fatalf("connect to test server: %v", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, testBase.template)); err != nil {
		t.Fatalf("clone template: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, testBase.url)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		c.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name))
	})
	return WithDatabase(testBase.url, name)
}

// prepareTemplate starts the server if needed and makes, once per set of
// migrations, a migrated template database that every test clones.
func prepareTemplate(ctx context.Context) (serverURL, template string, err error) {
	serverURL = os.Getenv("TEST_DATABASE_URL")
	if serverURL == "" {
		root, err := repoRoot()
		if err != nil {
			return "", "", err
		}
		c := &Cluster{Dir: filepath.Join(root, ".data", "test-postgres"), Settings: TestClusterSettings}
		if serverURL, err = c.Start(ctx); err != nil {
			return "", "", err
		}
	}
	template = "roster_template_" + migrationsHash()
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return "", "", err
	}
	defer conn.Close(ctx)
	// Parallel test binaries race to make the template: one makes it.
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(727274)"); err != nil {
		return "", "", err
	}
	defer conn.Exec(ctx, "SELECT pg_advisory_unlock(727274)")
	var ready bool
	err = conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)", template).Scan(&ready)
	if err != nil || ready {
		return serverURL, template, err
	}
	conn.Exec(ctx, "DROP DATABASE IF EXISTS "+template+" WITH (FORCE)")
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+template); err != nil {
		return "", "", err
	}
	pool, err := Open(ctx, WithDatabase(serverURL, template), 2)
	if err != nil {
		return "", "", err
	}
	_, err = Migrate(ctx, pool)
	pool.Close()
	if err != nil {
		return "", "", err
	}
	_, err = conn.Exec(ctx, "ALTER DATABASE "+template+" WITH IS_TEMPLATE true")
	return serverURL, template, err
}

func migrationsHash() string {
	h := sha256.New()
	fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(migrations.FS, path)
			h.Write([]byte(path))
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("go.mod not found above the working folder")
		}
		dir = parent
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
