package i18n

// englishEmail is the English catalogue of the emails (keys "email.…").
// Values come in the order the comment gives; a translation may reorder
// them with %[n]s.
var englishEmail = map[string]string{
	// Shared by every email.
	"email.brand":           "Roster",
	"email.button_fallback": "If the button doesn't work, copy and paste this link into your browser:",
	"email.wrote":           "%s wrote:", // person

	// Invitation (and its reminders). Values: inviter, inviter's email, account.
	"email.invitation.subject": "%s invited you to join %s on Roster", // inviter, account
	"email.invitation.heading": "Join %s on Roster",                   // account
	"email.invitation.intro":   "%s (%s) invited you to join %s on Roster.",
	"email.invitation.groups":  "You'll join these groups:",
	"email.invitation.roles":   "You'll have these roles:",
	"email.invitation.expires": "This invitation expires on %s.", // long date
	"email.invitation.button":  "Accept invitation",
	"email.invitation.footer":  "You received this email because %s (%s) invited you to join %s on Roster. If you weren't expecting it, you can ignore this email.",
	"email.reminder.heading":   "Your invitation to %s expires soon", // account

	// "Your invitation was accepted", to the inviter. Values: person, account.
	"email.accepted.subject":      "%s accepted your invitation to %s",
	"email.accepted.subject_link": "%s joined %s through your invite link",
	"email.accepted.heading":      "%s joined %s",
	"email.accepted.intro":        "%s (%s) accepted your invitation and is now a member of %s.", // person, email, account
	"email.accepted.intro_link":   "%s (%s) joined %s through your invite link “%s”.",            // person, email, account, link label
	"email.accepted.next":         "You can review their groups and roles on the People page.",
	"email.accepted.button":       "Open People",
	"email.accepted.footer":       "You received this email because you invited %s to %s on Roster.",              // person, account
	"email.accepted.footer_link":  "You received this email because you created an invite link for %s on Roster.", // account

	// Join request, to the approvers. Values: person, account.
	"email.join_request.subject":         "%s is waiting for approval to join %s",
	"email.join_request.heading":         "New request to join %s",                                                              // account
	"email.join_request.intro":           "%s (%s) joined through the invite link “%s” and is waiting for approval to join %s.", // person, email, link label, account
	"email.join_request.intro_unlabeled": "%s (%s) joined through an invite link and is waiting for approval to join %s.",       // person, email, account
	"email.join_request.next":            "Review the request to approve or deny it. You can adjust their groups and roles as you approve.",
	"email.join_request.button":          "Review request",
	"email.join_request.footer":          "You received this email because you can approve join requests for %s on Roster.", // account

	// Email confirmation, to someone joining through a link.
	"email.confirm.subject":     "%s is your code to join %s", // code, account
	"email.confirm.heading":     "Confirm your email address",
	"email.confirm.intro":       "To finish joining %s on Roster, enter this code:", // account
	"email.confirm.or_link":     "Or confirm with one click:",
	"email.confirm.button":      "Confirm email address",
	"email.confirm.expires":     "The code and the link work until %s.", // date and time
	"email.confirm.never_share": "Don't share this code with anyone: it lets whoever has it join as you.",
	"email.confirm.footer":      "You received this email because someone used this address to join %s on Roster. If it wasn't you, you can safely ignore this email.", // account

	// Join request decision, to the joiner. Values: account.
	"email.decision.approved.subject": "Welcome to %s: your request to join was approved",
	"email.decision.approved.heading": "Welcome to %s",
	"email.decision.approved.intro":   "Your request to join %s on Roster was approved.",
	"email.decision.approved.groups":  "Your groups:",
	"email.decision.approved.roles":   "Your roles:",
	"email.decision.approved.button":  "Sign in to Roster",
	"email.decision.denied.subject":   "Your request to join %s wasn't approved",
	"email.decision.denied.heading":   "Your request wasn't approved",
	"email.decision.denied.intro":     "An administrator of %s declined your request to join on Roster.",
	"email.decision.denied.next":      "If you think this is a mistake, contact the person who shared the invite link with you.",
	"email.decision.footer":           "You received this email because you asked to join %s on Roster.",

	// "Ask for a new invitation", to the inviter. Values: requester, account
	// (the *_unknown forms: account only).
	"email.new_invitation.subject":         "%s asked for a new invitation to %s",
	"email.new_invitation.subject_unknown": "Someone asked for a new invitation to %s",
	"email.new_invitation.heading":         "A new invitation was requested",
	"email.new_invitation.expired":         "%s opened an invitation to %s that has expired, and asked for a new one.",
	"email.new_invitation.expired_unknown": "Someone opened an invitation to %s that has expired, and asked for a new one.",
	"email.new_invitation.revoked":         "%s opened an invitation to %s that was revoked, and asked for a new one.",
	"email.new_invitation.revoked_unknown": "Someone opened an invitation to %s that was revoked, and asked for a new one.",
	"email.new_invitation.used_up":         "%s opened an invite link to %s that has reached its maximum number of uses, and asked for a new invitation.",
	"email.new_invitation.used_up_unknown": "Someone opened an invite link to %s that has reached its maximum number of uses, and asked for a new invitation.",
	"email.new_invitation.other":           "%s opened an invitation to %s that no longer works, and asked for a new one.",
	"email.new_invitation.other_unknown":   "Someone opened an invitation to %s that no longer works, and asked for a new one.",
	"email.new_invitation.next":            "If they should have access, you can send a new invitation from the Invitations tab.",
	"email.new_invitation.button":          "Open Invitations",
	"email.new_invitation.footer":          "You received this email because someone asked you, as the inviter, for a new invitation to %s on Roster.", // account
}

// englishEmailPlurals are the email messages whose form depends on their
// first value, a number: {one, other}.
var englishEmailPlurals = map[string][2]string{
	// Values: days left, account.
	"email.reminder.subject": {
		"Reminder: your invitation to join %[2]s expires in %[1]d day",
		"Reminder: your invitation to join %[2]s expires in %[1]d days",
	},
	// Values: days left, inviter, inviter's email, account, long date.
	"email.reminder.intro": {
		"%[2]s (%[3]s) invited you to join %[4]s on Roster. The invitation expires in %[1]d day, on %[5]s.",
		"%[2]s (%[3]s) invited you to join %[4]s on Roster. The invitation expires in %[1]d days, on %[5]s.",
	},
}
