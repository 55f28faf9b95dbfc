// Package server is Roster's HTTP side: routes, middleware, handlers and
// the interfaces of the stores they use.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"github.com/roster-hub/roster/internal/mail"
	"github.com/roster-hub/roster/internal/roster"
)

// AccountStore creates accounts and keeps sessions.
type AccountStore interface {
	// CreateAccount makes an account, its root group, roles and first
	// administrator. ECONFLICT when the email is taken.
	CreateAccount(ctx context.Context, su roster.Signup) (roster.Account, roster.User, error)
	// Credentials returns the person with email and their password hash.
	// ENOTFOUND when nobody has it.
	Credentials(ctx context.Context, email string) (roster.User, string, error)
	// CreateSession starts a session and returns its token. EFORBIDDEN when
	// the person may not sign in.
	CreateSession(ctx context.Context, accountID, userID int64) (string, error)
	// SessionActor returns the holder of a live session. ENOTFOUND when the
	// session is unknown, expired, or revoked.
	SessionActor(ctx context.Context, token string, idle, absolute time.Duration) (roster.Actor, roster.Account, error)
	// DeleteSession ends one session.
	DeleteSession(ctx context.Context, token string) error
	// SignOutEverywhere ends every session of a person.
	SignOutEverywhere(ctx context.Context, accountID, userID int64) error
}

// UserStore reads the people of an account.
type UserStore interface {
	// FindUsers returns a page of people. EINVALID for a malformed cursor.
	FindUsers(ctx context.Context, accountID int64, f roster.UserFilter) (roster.UserPage, error)
	// User returns one person. ENOTFOUND when not in the account.
	User(ctx context.Context, accountID, userID int64) (roster.User, error)
	// Administrators lists the account's administrators.
	Administrators(ctx context.Context, accountID int64) ([]roster.User, error)
	// Dashboard returns the summary counts.
	Dashboard(ctx context.Context, accountID int64, scope []int64, now time.Time, soon time.Duration) (roster.Dashboard, error)
	// SetStatus deactivates or reactivates people and returns how many
	// changed. ECONFLICT "person.last_admin".
	SetStatus(ctx context.Context, accountID, actorID int64, ids []int64, status string, now time.Time) (int, error)
	// Remove deletes a person. ENOTFOUND; ECONFLICT "person.last_admin",
	// "person.remove_self".
	Remove(ctx context.Context, accountID, actorID, userID int64, now time.Time) error
	// AddToGroup, RemoveFromGroup, GrantRole and RevokeRole change the
	// memberships of people and return how many changed. EINVALID for
	// groups or roles not of the account; ECONFLICT "person.last_admin".
	AddToGroup(ctx context.Context, accountID, actorID int64, ids []int64, groupID int64, roleIDs []int64, now time.Time) (int, error)
	RemoveFromGroup(ctx context.Context, accountID, actorID int64, ids []int64, groupID int64, now time.Time) (int, error)
	GrantRole(ctx context.Context, accountID, actorID int64, ids []int64, groupID, roleID int64, now time.Time) (int, error)
	RevokeRole(ctx context.Context, accountID, actorID int64, ids []int64, roleID int64, now time.Time) (int, error)
	// SetGroupRoles sets the roles a person holds in one of their groups.
	// ENOTFOUND when not a member; ECONFLICT "person.last_admin".
	SetGroupRoles(ctx context.Context, accountID, actorID, userID, groupID int64, roleIDs []int64, now time.Time) error
	// ApplyBulk makes one bulk action (add to group, remove from group,
	// grant or revoke a role, deactivate, reactivate) to people and returns
	// how many changed. EINVALID as BulkAction.Check says, and for groups
	// or roles not of the account; ECONFLICT "person.last_admin".
	ApplyBulk(ctx context.Context, accountID, actorID int64, a roster.BulkAction, ids []int64, now time.Time) (int, error)
	// PeopleInScope reports which of ids a group administrator's scope
	// (never nil) reaches and whether it holds every membership of theirs.
	PeopleInScope(ctx context.Context, accountID int64, scope, ids []int64) (map[int64]bool, error)
	// CameThrough returns the invitation a person joined through, or nil.
	CameThrough(ctx context.Context, accountID, userID int64) (*roster.Invitation, error)
}

// GroupStore reads the group tree and role catalogue.
type GroupStore interface {
	// Catalogue returns the account's groups and role catalogue as of
	// version (the account's CatalogueVersion; 0 when not known).
	Catalogue(ctx context.Context, accountID, version int64) (*roster.GroupTree, []roster.Role, error)
}

// InvitationStore reads and changes invitations, invite links and join
// requests, for administrators and for invitees. Every change that sends
// email queues it in the same transaction.
type InvitationStore interface {
	// FindInvitations returns a page of invitations and join requests.
	// EINVALID for a malformed cursor.
	FindInvitations(ctx context.Context, accountID int64, f roster.InvitationFilter, now time.Time, soon time.Duration) (roster.InvitationPage, error)
	// CreateEmailInvitations invites addresses and reports per address.
	// EINVALID for groups or roles not of the account.
	CreateEmailInvitations(ctx context.Context, accountID, actorID int64, in roster.EmailInvites, now time.Time) ([]roster.InviteResult, error)
	// CreateInviteLink makes a shareable link; it returns it and its token.
	CreateInviteLink(ctx context.Context, accountID, actorID int64, in roster.LinkInvite, now time.Time) (roster.Invitation, string, error)
	// InvitationLink returns an invitation and its current token. ENOTFOUND.
	InvitationLink(ctx context.Context, accountID, id int64) (roster.Invitation, string, error)
	// Resend, Revoke, Extend and RemoveExpired act on the eligible ones
	// among ids and return how many they changed.
	Resend(ctx context.Context, accountID, actorID int64, ids []int64, now time.Time) (int, error)
	Revoke(ctx context.Context, accountID, actorID int64, ids []int64, now time.Time) (int, error)
	Extend(ctx context.Context, accountID, actorID int64, ids []int64, now time.Time) (int, error)
	RemoveExpired(ctx context.Context, accountID, actorID int64, ids []int64, now time.Time) (int, error)
	// Regenerate gives a link a new token. ENOTFOUND.
	Regenerate(ctx context.Context, accountID, actorID, id int64) (string, error)
	// InvitationsInScope returns those of ids the scope reaches.
	InvitationsInScope(ctx context.Context, accountID int64, scope, ids []int64) ([]int64, error)
	// JoinedThrough lists the requests made through a link.
	JoinedThrough(ctx context.Context, accountID, linkID int64) ([]roster.JoinRequest, error)
	// JoinRequest returns one join request. ENOTFOUND.
	JoinRequest(ctx context.Context, accountID, id int64) (roster.JoinRequest, error)
	// ApproveJoinRequest activates the person. ECONFLICT when decided.
	ApproveJoinRequest(ctx context.Context, accountID, actorID, requestID int64, groupIDs, roleIDs []int64, now time.Time) (roster.User, error)
	// DenyJoinRequest refuses it. ECONFLICT when decided.
	DenyJoinRequest(ctx context.Context, accountID, actorID, requestID int64, now time.Time) error

	// ViewInvitation is what an invitee's page shows. ENOTFOUND.
	ViewInvitation(ctx context.Context, token string, now time.Time) (roster.InviteView, error)
	// AcceptInvitation accepts an email invitation once. ECONFLICT with
	// the link state when it no longer works.
	AcceptInvitation(ctx context.Context, token string, a roster.Acceptance, now time.Time) (roster.User, error)
	// StartJoin records an unconfirmed join and emails the code.
	StartJoin(ctx context.Context, token string, j roster.JoinStart, now time.Time) (int64, error)
	// ConfirmJoin confirms the address and takes a use of the link.
	ConfirmJoin(ctx context.Context, c roster.JoinConfirmation, now time.Time) (roster.JoinOutcome, error)
	// AskForNewInvitation tells the inviter (at most daily).
	AskForNewInvitation(ctx context.Context, token, requester string, now time.Time) error
}

// Deps are what the server needs.
type Deps struct {
	Accounts    AccountStore
	Users       UserStore
	Groups      GroupStore
	Invitations InvitationStore
	Logger      *slog.Logger
	// SessionKeys sign and encrypt the session cookie (pairs of 32-byte
	// hash and block keys; the first pair is current, later ones rotate out).
	SessionKeys [][]byte
	// SecureCookies marks cookies Secure (served over TLS or behind a proxy
	// that terminates it).
	SecureCookies bool
	// PasswordCost is the bcrypt cost of new password hashes.
	PasswordCost int
	// SessionIdle and SessionMax end sessions unused for, or older than, so long.
	SessionIdle time.Duration
	SessionMax  time.Duration
	// Now is the clock (tests set it).
	Now func() time.Time
	// BaseURL is the public address of the site, for links shown to
	// administrators ("" takes the request's own host).
	BaseURL string
	// Outbox, when set (the dev command without SMTP), is shown at /dev/mail.
	Outbox *mail.Outbox
	// Audit reads the audit trail (the audit log screen).
	Audit AuditStore
	// Settings saves the account settings (the settings screen).
	Settings SettingsStore
	// Bulk runs "select all N matching" jobs on the People view.
	Bulk BulkStore
	// Ops reports the database's readiness, pool and job queue (/readyz
	// and the metrics).
	Ops OpsStore
	// TrustProxy believes X-Forwarded-Proto and X-Forwarded-For from the
	// proxy in front (set only when one is, and it overwrites them).
	TrustProxy bool
}

// Server serves Roster over HTTP.
type Server struct {
	Deps
	cookies *sessions.CookieStore
	// throttle limits failed sign-ins per address; ipThrottle per client,
	// more loosely (an office behind one address has many people).
	throttle   *throttle
	ipThrottle *throttle
	// tokenThrottle limits unknown-token answers of the invitee pages per
	// client (guessing links).
	tokenThrottle *throttle
	handler       http.Handler
	router        chi.Router
	metrics       *metrics
}

// NewServer returns the Roster HTTP handler.
func NewServer(d Deps) *Server {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.SessionIdle == 0 {
		d.SessionIdle = 12 * time.Hour
	}
	if d.SessionMax == 0 {
		d.SessionMax = 7 * 24 * time.Hour
	}
	if d.PasswordCost == 0 {
		d.PasswordCost = 12
	}
	s := &Server{Deps: d, throttle: newThrottle(10, 15*time.Minute), ipThrottle: newThrottle(50, 15*time.Minute),
		tokenThrottle: newThrottle(30, 15*time.Minute), metrics: newMetrics()}
	s.cookies = sessions.NewCookieStore(d.SessionKeys...)
	for _, c := range s.cookies.Codecs {
		c.(*securecookie.SecureCookie).SetSerializer(tokenCookie{})
	}
	s.cookies.Options = &sessions.Options{
		Path:     "/",
		MaxAge:   int(d.SessionMax / time.Second),
		HttpOnly: true,
		Secure:   d.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	}
	s.handler = s.routes()
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }
