package mail

import (
	"bytes"
	"context"
	"math"
	"strings"
	"time"

	"github.com/roster-hub/roster/internal/i18n"
)

// Invitation is an email invitation (also used for its reminders).
type Invitation struct {
	To, AccountName, InviterName, InviterEmail string
	Link                                       string   // the /invite/{token} address
	Groups                                     []string // group paths, e.g. "Finance › Payables"
	Roles                                      []string // role names
	ExpiresAt                                  time.Time
	PersonalMessage                            string // optional, from the inviter
}

// InvitationMessage is the email invitation: who invites the reader to
// which account, the groups and roles they will get, the inviter's personal
// message, the expiry date and the link.
func InvitationMessage(l *i18n.Localizer, d Invitation) Message {
	intro := l.T("email.invitation.intro", d.InviterName, d.InviterEmail, d.AccountName)
	e := email{
		Subject:   l.T("email.invitation.subject", d.InviterName, d.AccountName),
		Preheader: intro,
		Heading:   l.T("email.invitation.heading", d.AccountName),
		Footer:    l.T("email.invitation.footer", d.InviterName, d.InviterEmail, d.AccountName),
	}
	e.add(paragraph(intro))
	e.add(invitationBody(l, d, true)...)
	return e.message(l, d.To, "")
}

// ReminderMessage is the reminder sent 7 days and 1 day before expiry: the
// invitation again, saying how many days are left and the date.
func ReminderMessage(l *i18n.Localizer, d Invitation, now time.Time) Message {
	days := daysLeft(d.ExpiresAt, now)
	intro := l.T("email.reminder.intro", days, d.InviterName, d.InviterEmail, d.AccountName, l.LongDate(d.ExpiresAt))
	e := email{
		Subject:   l.T("email.reminder.subject", days, d.AccountName),
		Preheader: intro,
		Heading:   l.T("email.reminder.heading", d.AccountName),
		Footer:    l.T("email.invitation.footer", d.InviterName, d.InviterEmail, d.AccountName),
	}
	e.add(paragraph(intro)) // says the expiry date already
	e.add(invitationBody(l, d, false)...)
	return e.message(l, d.To, "")
}

// daysLeft is the whole number of days from now to t, at least 1: a
// reminder due 7 days before expiry says 7 even if its job ran a little
// late.
func daysLeft(t, now time.Time) int {
	return max(1, int(math.Round(t.Sub(now).Hours()/24)))
}

// invitationBody is what an invitation and its reminders share after their
// first line, with or without the expiry date.
func invitationBody(l *i18n.Localizer, d Invitation, expiry bool) []block {
	var bs []block
	if msg := strings.TrimSpace(d.PersonalMessage); msg != "" {
		bs = append(bs, quote(l.T("email.wrote", d.InviterName), msg))
	}
	if len(d.Groups) > 0 {
		bs = append(bs, list(l.T("email.invitation.groups"), d.Groups))
	}
	if len(d.Roles) > 0 {
		bs = append(bs, list(l.T("email.invitation.roles"), d.Roles))
	}
	if expiry && !d.ExpiresAt.IsZero() {
		bs = append(bs, paragraph(l.T("email.invitation.expires", l.LongDate(d.ExpiresAt))))
	}
	return append(bs, button(l, l.T("email.invitation.button"), d.Link))
}

// Accepted tells the inviter their invitation was accepted (or someone
// joined through their link).
type Accepted struct {
	To, ToName, AccountName, PersonName, PersonEmail, Link string // Link: to the people hub
	LinkLabel                                              string // the invite link's label when they joined through one; "" for an email invitation
}

// AcceptedMessage tells the inviter who joined.
func AcceptedMessage(l *i18n.Localizer, d Accepted) Message {
	e := email{Heading: l.T("email.accepted.heading", d.PersonName, d.AccountName)}
	var intro string
	if d.LinkLabel != "" {
		e.Subject = l.T("email.accepted.subject_link", d.PersonName, d.AccountName)
		intro = l.T("email.accepted.intro_link", d.PersonName, d.PersonEmail, d.AccountName, d.LinkLabel)
		e.Footer = l.T("email.accepted.footer_link", d.AccountName)
	} else {
		e.Subject = l.T("email.accepted.subject", d.PersonName, d.AccountName)
		intro = l.T("email.accepted.intro", d.PersonName, d.PersonEmail, d.AccountName)
		e.Footer = l.T("email.accepted.footer", d.PersonName, d.AccountName)
	}
	e.Preheader = intro
	e.add(paragraph(intro), paragraph(l.T("email.accepted.next")), button(l, l.T("email.accepted.button"), d.Link))
	return e.message(l, d.To, d.ToName)
}

// JoinRequest asks an approver to approve or deny someone who joined
// through an invite link that requires approval.
type JoinRequest struct {
	To, ToName, AccountName, PersonName, PersonEmail, LinkLabel, Link string // Link: to the invitations tab filtered to join requests
}

// JoinRequestMessage asks an approver to review a join request.
func JoinRequestMessage(l *i18n.Localizer, d JoinRequest) Message {
	var intro string
	if d.LinkLabel != "" {
		intro = l.T("email.join_request.intro", d.PersonName, d.PersonEmail, d.LinkLabel, d.AccountName)
	} else {
		intro = l.T("email.join_request.intro_unlabeled", d.PersonName, d.PersonEmail, d.AccountName)
	}
	e := email{
		Subject:   l.T("email.join_request.subject", d.PersonName, d.AccountName),
		Preheader: intro,
		Heading:   l.T("email.join_request.heading", d.AccountName),
		Footer:    l.T("email.join_request.footer", d.AccountName),
	}
	e.add(paragraph(intro), paragraph(l.T("email.join_request.next")), button(l, l.T("email.join_request.button"), d.Link))
	return e.message(l, d.To, d.ToName)
}

// Confirm asks someone who joined through a link to confirm their address
// with a 6-digit code or a link.
type Confirm struct {
	To, ToName, AccountName, Code, Link string
	ExpiresAt                           time.Time
}

// ConfirmMessage gives the confirmation code (also in the subject, so it
// shows in a notification) and the confirmation link.
func ConfirmMessage(l *i18n.Localizer, d Confirm) Message {
	intro := l.T("email.confirm.intro", d.AccountName)
	e := email{
		Subject:   l.T("email.confirm.subject", d.Code, d.AccountName),
		Preheader: intro + " " + d.Code,
		Heading:   l.T("email.confirm.heading"),
		Footer:    l.T("email.confirm.footer", d.AccountName),
	}
	e.add(paragraph(intro), code(d.Code))
	if d.Link != "" {
		e.add(paragraph(l.T("email.confirm.or_link")), button(l, l.T("email.confirm.button"), d.Link))
	}
	if !d.ExpiresAt.IsZero() {
		e.add(paragraph(l.T("email.confirm.expires", l.DateTime(d.ExpiresAt))))
	}
	e.add(paragraph(l.T("email.confirm.never_share")))
	return e.message(l, d.To, d.ToName)
}

// Decision tells a joiner their join request was approved (with their
// groups and roles and a sign-in link) or denied.
type Decision struct {
	To, ToName, AccountName string
	Approved                bool
	Groups, Roles           []string
	Link                    string
}

// DecisionMessage tells a joiner the approver's decision.
func DecisionMessage(l *i18n.Localizer, d Decision) Message {
	e := email{Footer: l.T("email.decision.footer", d.AccountName)}
	if !d.Approved {
		intro := l.T("email.decision.denied.intro", d.AccountName)
		e.Subject = l.T("email.decision.denied.subject", d.AccountName)
		e.Preheader = intro
		e.Heading = l.T("email.decision.denied.heading")
		e.add(paragraph(intro), paragraph(l.T("email.decision.denied.next")))
		return e.message(l, d.To, d.ToName)
	}
	intro := l.T("email.decision.approved.intro", d.AccountName)
	e.Subject = l.T("email.decision.approved.subject", d.AccountName)
	e.Preheader = intro
	e.Heading = l.T("email.decision.approved.heading", d.AccountName)
	e.add(paragraph(intro))
	if len(d.Groups) > 0 {
		e.add(list(l.T("email.decision.approved.groups"), d.Groups))
	}
	if len(d.Roles) > 0 {
		e.add(list(l.T("email.decision.approved.roles"), d.Roles))
	}
	e.add(button(l, l.T("email.decision.approved.button"), d.Link))
	return e.message(l, d.To, d.ToName)
}

// NewInvitationAsked tells the inviter that someone opened an invitation
// that no longer works and asks for a new one.
type NewInvitationAsked struct {
	To, ToName, AccountName, Requester, Reason, Link string // Requester: the invitee's email, or "" when unknown; Reason: "expired", "revoked", "used_up"; Link: to the invitations tab
}

// NewInvitationAskedMessage passes a request for a new invitation on to the
// inviter.
func NewInvitationAskedMessage(l *i18n.Localizer, d NewInvitationAsked) Message {
	e := email{
		Heading: l.T("email.new_invitation.heading"),
		Footer:  l.T("email.new_invitation.footer", d.AccountName),
	}
	var intro string
	if d.Requester != "" {
		e.Subject = l.T("email.new_invitation.subject", d.Requester, d.AccountName)
		switch d.Reason {
		case "expired":
			intro = l.T("email.new_invitation.expired", d.Requester, d.AccountName)
		case "revoked":
			intro = l.T("email.new_invitation.revoked", d.Requester, d.AccountName)
		case "used_up":
			intro = l.T("email.new_invitation.used_up", d.Requester, d.AccountName)
		default:
			intro = l.T("email.new_invitation.other", d.Requester, d.AccountName)
		}
	} else {
		e.Subject = l.T("email.new_invitation.subject_unknown", d.AccountName)
		switch d.Reason {
		case "expired":
			intro = l.T("email.new_invitation.expired_unknown", d.AccountName)
		case "revoked":
			intro = l.T("email.new_invitation.revoked_unknown", d.AccountName)
		case "used_up":
			intro = l.T("email.new_invitation.used_up_unknown", d.AccountName)
		default:
			intro = l.T("email.new_invitation.other_unknown", d.AccountName)
		}
	}
	e.Preheader = intro
	e.add(paragraph(intro), paragraph(l.T("email.new_invitation.next")), button(l, l.T("email.new_invitation.button"), d.Link))
	return e.message(l, d.To, d.ToName)
}

// email is one message's content, rendered twice: as plain text by text
// and as HTML by the emailHTML component.
type email struct {
	Lang      string
	Subject   string
	Preheader string // the preview line mail clients show after the subject
	Heading   string
	Blocks    []block
	Footer    string // why the reader got this email
}

type blockKind int

const (
	kindParagraph blockKind = iota
	kindList                // Label, then Items as a bulleted list
	kindQuote               // Label (who wrote it), then Lines set apart
	kindButton              // Label on a button to URL, then Text and URL for when the button fails
	kindCode                // Text, large, to be typed elsewhere
)

type block struct {
	Kind  blockKind
	Text  string
	Label string
	Items []string
	URL   string
}

func paragraph(s string) block { return block{Kind: kindParagraph, Text: s} }

func list(label string, items []string) block {
	return block{Kind: kindList, Label: label, Items: items}
}

// quote keeps the text's line breaks: one item per line.
func quote(label, text string) block {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	return block{Kind: kindQuote, Label: label, Items: strings.Split(text, "\n")}
}

func button(l *i18n.Localizer, label, url string) block {
	return block{Kind: kindButton, Label: label, URL: url, Text: l.T("email.button_fallback")}
}

func code(s string) block { return block{Kind: kindCode, Text: s} }

func (e *email) add(bs ...block) { e.Blocks = append(e.Blocks, bs...) }

// message renders e into both parts.
func (e email) message(l *i18n.Localizer, to, toName string) Message {
	e.Lang = l.Lang()
	var html bytes.Buffer
	// Rendering into a buffer fails only if the writer does.
	_ = emailHTML(e, l.T("email.brand")).Render(context.Background(), &html)
	return Message{To: to, ToName: toName, Subject: e.Subject, Text: e.text(), HTML: html.String()}
}

// text is the plain-text part: the same blocks, laid out for reading in a
// plain-text mail client.
func (e email) text() string {
	var b strings.Builder
	b.WriteString(e.Heading)
	b.WriteString("\n")
	for _, bl := range e.Blocks {
		b.WriteString("\n")
		switch bl.Kind {
		case kindParagraph:
			b.WriteString(bl.Text + "\n")
		case kindList:
			b.WriteString(bl.Label + "\n")
			for _, it := range bl.Items {
				b.WriteString("- " + it + "\n")
			}
		case kindQuote:
			b.WriteString(bl.Label + "\n\n")
			for _, line := range bl.Items {
				b.WriteString(strings.TrimRight("> "+line, " ") + "\n")
			}
		case kindButton:
			// The label and the address, no fallback: the address is the link.
			b.WriteString(bl.Label + ":\n" + bl.URL + "\n")
		case kindCode:
			b.WriteString("    " + bl.Text + "\n")
		}
	}
	b.WriteString("\n-- \n")
	b.WriteString(e.Footer)
	b.WriteString("\n")
	return b.String()
}
