package roster

import "time"

// EmailInvites is one "Invite by email" submit.
type EmailInvites struct {
	Addresses    []Address
	GroupIDs     []int64
	RoleIDs      []int64
	Message      string
	ValidityDays int // 0: the account's default
	Locale       string
}

// Outcomes of inviting one address.
const (
	OutcomeInvited        = "invited"
	OutcomeMember         = "member"          // already a member: skipped
	OutcomeAlreadyInvited = "already_invited" // a pending invitation exists: offer resend
	OutcomeDeactivated    = "deactivated"     // a deactivated member: offer reactivate
	OutcomeOtherAccount   = "other_account"   // the address belongs to another account
	OutcomeInvalid        = "invalid"
	// OutcomeOverLimit: the administrator's daily invitation limit was
	// reached; the address was not invited (it can be tomorrow).
	OutcomeOverLimit = "over_limit"
)

// InviteResult is what happened to one address of a submit.
type InviteResult struct {
	Email        string
	Name         string
	Outcome      string
	Reason       string // message key, for invalid addresses
	InvitationID int64
	UserID       int64
}

// LinkInvite is one "Invite with a link" submit.
type LinkInvite struct {
	Label          string
	GroupIDs       []int64
	RoleIDs        []int64
	ValidityHours  int
	MaxUses        int
	AllowedDomains []string
	Approval       bool
	Locale         string // the join page's language when the joiner's browser asks for none; "" for the account's
}

// InviteView is what an invitee's page shows of an invitation or link.
type InviteView struct {
	Invitation
	AccountID    int64
	AccountName  string
	InviterEmail string
	GroupPaths   []string
	RoleNames    []Role
	// State is why the link no longer works ("" while it does):
	// expired, revoked, accepted, used_up.
	State string
	// ExistingUserID is set when the invited address already belongs to a
	// person of this account (they sign in to accept).
	ExistingUserID int64
	Locale         string
}

// Link states for invitee pages.
const (
	LinkOK      = ""
	LinkExpired = "expired"
	LinkRevoked = "revoked"
	LinkUsed    = "accepted"
	LinkUsedUp  = "used_up"
	LinkUnknown = "unknown"
)

// LinkState says whether an invitation can still be used at now.
func (inv Invitation) LinkState(now time.Time) string {
	switch {
	case inv.Status == InviteRevoked:
		return LinkRevoked
	case inv.Status == InviteAccepted:
		return LinkUsed
	case inv.Status == InviteExpired || !inv.ExpiresAt.After(now):
		return LinkExpired
	case inv.Kind == KindLink && inv.MaxUses > 0 && inv.UseCount >= inv.MaxUses:
		return LinkUsedUp
	}
	return LinkOK
}

// JoinRequest is someone who joined through an invite link.
type JoinRequest struct {
	ID           int64
	InvitationID int64
	Email        string
	Name         string
	Status       string // unconfirmed, pending, approved, denied
	GroupIDs     []int64
	RoleIDs      []int64
	CreatedAt    time.Time
	UserID       int64
}

// JoinOutcome is where a confirmed join ends.
type JoinOutcome struct {
	Request     JoinRequest
	AccountName string
	// User is set when the link needs no approval: the person is active.
	User *User
}

// Email templates a job can send.
const (
	EmailInvitation    = "invitation"
	EmailReminder      = "reminder"
	EmailAccepted      = "accepted"
	EmailJoinRequest   = "join_request"
	EmailConfirm       = "confirm"
	EmailDecision      = "decision"
	EmailNewInvitation = "new_invitation_asked"
)

// EmailJob is one queued email: enqueued in the same transaction as the
// change that causes it, so the change never exists without its email on
// the way. It carries no token: links to invitations and confirmations are
// made from Nonce and the server's TokenKey when the email is written.
type EmailJob struct {
	Template      string    `json:"template"`
	AccountID     int64     `json:"account_id"`
	InvitationID  int64     `json:"invitation_id,omitempty"` // delivery state is written back to it
	JoinRequestID int64     `json:"join_request_id,omitempty"`
	Nonce         []byte    `json:"nonce,omitempty"`
	To            string    `json:"to"`
	ToName        string    `json:"to_name,omitempty"`
	Locale        string    `json:"locale,omitempty"`
	AccountName   string    `json:"account_name"`
	FromName      string    `json:"from_name,omitempty"` // the inviter or deciding administrator
	FromEmail     string    `json:"from_email,omitempty"`
	PersonName    string    `json:"person_name,omitempty"` // who accepted, joined or asks
	PersonEmail   string    `json:"person_email,omitempty"`
	Groups        []string  `json:"groups,omitempty"`
	Roles         []string  `json:"roles,omitempty"`
	ExpiresAt     time.Time `json:"expires_at,omitempty"`
	Message       string    `json:"message,omitempty"`
	LinkLabel     string    `json:"link_label,omitempty"`
	Approved      bool      `json:"approved,omitempty"`
	Reason        string    `json:"reason,omitempty"`
}

// Kind names the job for the queue.
func (EmailJob) Kind() string { return "email" }

// Acceptance is an invitee accepting an email invitation: a new person
// (Name, PasswordHash) or a person of the account signed in (UserID).
type Acceptance struct {
	Name         string
	PasswordHash string
	Locale       string
	UserID       int64
}

// JoinStart is someone asking to join through an invite link.
type JoinStart struct {
	Email        string
	Name         string
	PasswordHash string
	Locale       string
}

// JoinConfirmation confirms a join's address: the request and its code, or
// the token of the emailed confirmation link.
type JoinConfirmation struct {
	RequestID int64
	Code      string
	Token     string
}

// MaxConfirmAttempts bounds wrong codes per join request.
const MaxConfirmAttempts = 5

// ConfirmValidity is how long a join confirmation code works.
const ConfirmValidity = time.Hour
