package mail

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/roster-hub/roster/internal/i18n"
	"github.com/roster-hub/roster/internal/roster"
)

// DeliveryStore is what the email job needs of the database.
type DeliveryStore interface {
	// InvitationIssue returns an invitation's current nonce and status.
	// ENOTFOUND when it was removed.
	InvitationIssue(ctx context.Context, accountID, id int64) ([]byte, string, error)
	// MarkDelivery records "sent" or "failed" with a reason for the issue
	// named by nonce.
	MarkDelivery(ctx context.Context, accountID, id int64, nonce []byte, delivery, reason string) error
}

// Worker sends queued emails (River jobs of kind "email"). A failed send
// is retried with backoff; after the last attempt, or at once when the
// server refuses the recipient for good (5xx), an invitation shows
// "failed: reason" and can be resent.
type Worker struct {
	river.WorkerDefaults[roster.EmailJob]
	Store   DeliveryStore
	Sender  Sender
	Key     roster.TokenKey
	BaseURL string // e.g. https://roster.example.com, no trailing slash
}

// Work sends one email.
func (w *Worker) Work(ctx context.Context, job *river.Job[roster.EmailJob]) error {
	a := job.Args
	tracked := a.InvitationID != 0 && (a.Template == roster.EmailInvitation || a.Template == roster.EmailReminder)
	if tracked {
		nonce, status, err := w.Store.InvitationIssue(ctx, a.AccountID, a.InvitationID)
		if roster.ErrorCode(err) == roster.ENOTFOUND {
			return nil // removed meanwhile: nothing to send
		}
		if err != nil {
			return err
		}
		// Resent (a newer email carries the new link), revoked or accepted
		// meanwhile: this email would carry a dead link.
		if !bytes.Equal(nonce, a.Nonce) || status != roster.InvitePending {
			return nil
		}
	}
	msg, err := w.Build(a, time.Now())
	if err != nil {
		return river.JobCancel(err)
	}
	msg.ID = fmt.Sprintf("roster-job-%d", job.ID)
	sendErr := w.Sender.Send(ctx, msg)
	if sendErr == nil {
		if tracked {
			w.markSent(ctx, a)
		}
		return nil
	}
	permanent := Permanent(sendErr)
	if tracked && (permanent || job.Attempt >= job.MaxAttempts) {
		if err := w.Store.MarkDelivery(ctx, a.AccountID, a.InvitationID, a.Nonce, "failed", reason(sendErr)); err != nil {
			return err
		}
	}
	if permanent {
		return river.JobCancel(sendErr)
	}
	return sendErr
}

// markSent records that an invitation's email went out. The email is out
// whatever happens next: if the database cannot be told (it is restarting),
// keep trying for a while, and then give up on the record rather than
// fail the job, whose retry would send the same email again.
func (w *Worker) markSent(ctx context.Context, a roster.EmailJob) {
	wait := 100 * time.Millisecond
	deadline := time.Now().Add(markSentPatience)
	for {
		err := w.Store.MarkDelivery(ctx, a.AccountID, a.InvitationID, a.Nonce, "sent", "")
		if err == nil || time.Now().Add(wait).After(deadline) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// markSentPatience is how long markSent keeps trying (within the job's
// Timeout).
const markSentPatience = 45 * time.Second

// Timeout bounds one send.
func (w *Worker) Timeout(*river.Job[roster.EmailJob]) time.Duration { return time.Minute }

// reason is the short, showable cause of a failed send.
func reason(err error) string {
	s := err.Error()
	// go-mail ends its errors with the affected recipients and message ID,
	// which are no reason (and would be all that is left of a long one).
	if i := strings.Index(s, ", affected "); i > 0 {
		s = s[:i]
	}
	if i := strings.LastIndex(s, ": "); i > 0 && i < len(s)-2 && len(s) > 120 {
		s = s[i+2:]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return strings.TrimSpace(s)
}

// Build writes the email a job describes, in its language, with its links.
func (w *Worker) Build(a roster.EmailJob, now time.Time) (Message, error) {
	l := i18n.New(a.Locale)
	roles := make([]string, len(a.Roles))
	for i, r := range a.Roles {
		if key, ok := strings.CutPrefix(r, "@"); ok {
			roles[i] = l.T("role." + key)
		} else {
			roles[i] = r
		}
	}
	base := strings.TrimRight(w.BaseURL, "/")
	inv := Invitation{To: a.To, AccountName: a.AccountName, InviterName: a.FromName, InviterEmail: a.FromEmail,
		Groups: a.Groups, Roles: roles, ExpiresAt: a.ExpiresAt, PersonalMessage: a.Message}
	var m Message
	switch a.Template {
	case roster.EmailInvitation:
		inv.Link = base + "/invite/" + w.Key.Token(a.Nonce)
		m = InvitationMessage(l, inv)
	case roster.EmailReminder:
		inv.Link = base + "/invite/" + w.Key.Token(a.Nonce)
		m = ReminderMessage(l, inv, now)
	case roster.EmailAccepted:
		m = AcceptedMessage(l, Accepted{To: a.To, ToName: a.ToName, AccountName: a.AccountName, PersonName: a.PersonName,
			PersonEmail: a.PersonEmail, LinkLabel: a.LinkLabel, Link: base + "/users?q=" + url.QueryEscape(a.PersonEmail)})
	case roster.EmailJoinRequest:
		m = JoinRequestMessage(l, JoinRequest{To: a.To, ToName: a.ToName, AccountName: a.AccountName, PersonName: a.PersonName,
			PersonEmail: a.PersonEmail, LinkLabel: a.LinkLabel, Link: base + "/users?tab=invitations&istatus=join_request"})
	case roster.EmailConfirm:
		m = ConfirmMessage(l, Confirm{To: a.To, ToName: a.ToName, AccountName: a.AccountName, Code: w.Key.ConfirmCode(a.Nonce),
			Link: base + "/join/confirm/" + w.Key.Token(a.Nonce), ExpiresAt: a.ExpiresAt})
	case roster.EmailDecision:
		m = DecisionMessage(l, Decision{To: a.To, ToName: a.ToName, AccountName: a.AccountName, Approved: a.Approved,
			Groups: a.Groups, Roles: roles, Link: base + "/login"})
	case roster.EmailNewInvitation:
		m = NewInvitationAskedMessage(l, NewInvitationAsked{To: a.To, ToName: a.ToName, AccountName: a.AccountName,
			Requester: a.PersonEmail, Reason: a.Reason, Link: base + "/users?tab=invitations"})
	default:
		return m, fmt.Errorf("unknown email template %q", a.Template)
	}
	if m.ToName == "" {
		m.ToName = a.ToName
	}
	return m, nil
}
