package mail_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/roster-hub/roster/internal/mail"
	"github.com/roster-hub/roster/internal/roster"
)

// flakyStore is a database that goes away after the issue is read: the
// first failures MarkDelivery calls fail.
type flakyStore struct {
	mu       sync.Mutex
	nonce    []byte
	failures int
	calls    int
	marked   string
}

func (s *flakyStore) InvitationIssue(context.Context, int64, int64) ([]byte, string, error) {
	return s.nonce, roster.InvitePending, nil
}

func (s *flakyStore) MarkDelivery(_ context.Context, _, _ int64, _ []byte, delivery, _ string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.calls <= s.failures {
		return errors.New("read: connection reset by peer")
	}
	s.marked = delivery
	return nil
}

type countingSender struct{ sent int }

func (c *countingSender) Send(context.Context, mail.Message) error { c.sent++; return nil }

// An email sent just before the database went away is not sent again: the
// job succeeds, and "sent" is recorded once the database answers.
func TestWorkerRecordsSentAfterDatabaseBlip(t *testing.T) {
	t.Parallel()
	nonce := roster.NewNonce()
	store := &flakyStore{nonce: nonce, failures: 3}
	sender := &countingSender{}
	w := &mail.Worker{Store: store, Sender: sender, Key: workerKey, BaseURL: baseURL}
	job := &river.Job[roster.EmailJob]{JobRow: &rivertype.JobRow{ID: 1, Attempt: 1, MaxAttempts: 8},
		Args: roster.EmailJob{Template: roster.EmailInvitation, AccountID: 1, InvitationID: 2, Nonce: nonce, To: "a@example.com",
			AccountName: "Globex", FromName: "Quinn", ExpiresAt: time.Now().Add(24 * time.Hour)}}
	if err := w.Work(context.Background(), job); err != nil {
		t.Fatalf("Work = %v, want nil (a retry would send the email again)", err)
	}
	if sender.sent != 1 || store.marked != "sent" || store.calls != 4 {
		t.Errorf("sent %d, marked %q after %d calls; want 1, sent, 4", sender.sent, store.marked, store.calls)
	}
}
