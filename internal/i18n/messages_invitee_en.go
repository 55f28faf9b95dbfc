package i18n

// englishInvitee is the English catalogue of the invitee pages
// (/invite/…, /join/…): keys "invitee.…". Comments give the values a
// message takes, in order.
var englishInvitee = map[string]string{
	// Shared by the pages.
	"invitee.an_administrator": "an administrator",
	"invitee.join_title":       "Join %s",                      // account
	"invitee.invited_by":       "%s (%s) invited you to join.", // inviter, inviter's email
	"invitee.link_shared_by":   "%s shared this invite link.",  // inviter
	"invitee.invited":          "You're invited to join.",      // when the inviter is gone
	"invitee.wrote":            "%s wrote:",                    // inviter
	"invitee.grants":           "What you'll get",              // heading
	"invitee.link_label":       "Invite link",                  // the link's label follows
	"invitee.groups":           "Groups",                       //
	"invitee.roles":            "Roles",                        //
	"invitee.none":             "None",                         //
	"invitee.expires":          "Expires",                      // a long date follows
	"invitee.your_name":        "Your name",                    //
	"invitee.your_email":       "Your email",                   //
	"invitee.email_hint":       "We'll send a code to this address to confirm it's yours.",
	"invitee.choose_password":  "Choose a password",
	"invitee.password_hint":    "At least 10 characters.",
	"invitee.sign_in":          "Sign in",
	"invitee.not_expecting":    "Weren't expecting this invitation? You can ignore it: nothing happens until you accept.",

	// Email invitation (/invite/{token}).
	"invitee.accept_title":     "Accept the invitation",
	"invitee.accept_new":       "Create your account. You'll sign in with this email address.",
	"invitee.accept_sign_in":   "You already have an account at %s. Sign in to accept.",                         // account
	"invitee.accept_signed_in": "You're signed in as %s.",                                                       // email
	"invitee.signed_in_other":  "You're signed in as %s. Accepting signs you in as the invited person instead.", // name (email)
	"invitee.accept":           "Accept invitation",

	// Invite link (/join/{token}).
	"invitee.approval_required":     "An administrator approves each request before you can sign in.",
	"invitee.approval_not_required": "You can sign in as soon as you've confirmed your email address.",
	"invitee.domains_one":           "Only addresses at %s can join.",                // domain
	"invitee.domains_many":          "Only addresses at these domains can join: %s.", // domains
	"invitee.join_form_title":       "Your details",
	"invitee.join":                  "Join",

	// Confirming the joiner's address.
	"invitee.code_title":     "Check your email",
	"invitee.code_sent":      "We sent a 6-digit code to %s. Enter it here to confirm your address. The code works for one hour.", // email
	"invitee.code_label":     "Confirmation code",
	"invitee.code_hint":      "The 6 digits from the email.",
	"invitee.code_submit":    "Confirm",
	"invitee.code_or_link":   "You can also use the link in the email. No email after a few minutes? Check your spam folder, or",
	"invitee.code_restart":   "start again.",
	"invitee.confirm_title":  "Confirm your email address",
	"invitee.confirm_text":   "To finish joining, confirm that this address is yours.",
	"invitee.confirm_button": "Confirm my address",

	// Where a join ends.
	"invitee.waiting_title":         "Waiting for approval",
	"invitee.waiting_text":          "Your request to join %s is waiting for an administrator's approval.", // account
	"invitee.waiting_text_unnamed":  "Your request to join is waiting for an administrator's approval.",
	"invitee.waiting_next":          "We'll email you at %s as soon as they decide.", // email
	"invitee.already_joined_title":  "You've already joined",
	"invitee.already_joined_text":   "Your address is confirmed and your account is ready. Sign in with your email and password.",
	"invitee.denied_title":          "Your request wasn't approved",
	"invitee.denied_text":           "An administrator declined your request to join. If you think this is a mistake, contact the person who shared the invite link with you.",
	"invitee.confirm_unknown_title": "This confirmation link doesn't work",
	"invitee.confirm_unknown_text":  "It may have been used already, or replaced by a newer one. If you've already confirmed your address, sign in; otherwise open the invite link again to get a new email.",
	"invitee.confirm_expired_title": "This confirmation link has expired",
	"invitee.confirm_expired_text":  "Confirmation links work for one hour. Open the invite link again to get a new one.",
	"invitee.confirm_dead_text":     "The invite link you used no longer works. Ask the person who shared it for a new one.",
	"invitee.confirm_taken_title":   "You already have an account",
	"invitee.confirm_taken_text":    "This address already has a Roster account. Sign in with it instead.",

	// Links that no longer work.
	"invitee.dead_expired":           "This invitation has expired",
	"invitee.dead_expired_text":      "The invitation from %s to join %s expired on %s.", // inviter, account, long date
	"invitee.dead_revoked":           "This invitation was withdrawn",
	"invitee.dead_revoked_text":      "The invitation from %s to join %s was revoked, so it no longer works.", // inviter, account
	"invitee.dead_used":              "This invitation has already been used",
	"invitee.dead_used_text":         "The invitation to join %s was accepted. If that was you, sign in with your email and password.", // account
	"invitee.dead_link_expired":      "This invite link has expired",
	"invitee.dead_link_expired_text": "The invite link to join %s expired on %s.", // account, long date
	"invitee.dead_link_revoked":      "This invite link was turned off",
	"invitee.dead_link_revoked_text": "An administrator of %s turned this invite link off, so it no longer works.", // account
	"invitee.dead_used_up":           "This invite link has reached its limit",
	"invitee.dead_used_up_text":      "The invite link to join %s was used the most times it allows (%d), so it takes nobody new.", // account, maximum uses
	"invitee.dead_link_other_text":   "The invite link to join %s no longer works.",                                                // account
	"invitee.ask_title":              "Need a new invitation?",
	"invitee.ask_text":               "We'll email %s to ask for one.", // inviter
	"invitee.ask_email":              "Your email (optional)",
	"invitee.ask_email_hint":         "So they know who's asking and where to send the new invitation.",
	"invitee.ask":                    "Ask for a new invitation",
	"invitee.asked_title":            "We've let %s know",                                                                    // inviter
	"invitee.asked_text":             "%s will get an email asking them to invite you to %s again. You can close this page.", // inviter, account
	"invitee.unknown_title":          "This link doesn't work",
	"invitee.unknown_text":           "We couldn't find an invitation at this address. Check that you copied the whole link from the email, or ask the person who invited you to send it again.",
	"invitee.go_sign_in":             "Go to sign in",

	// Problems with a form.
	"invitee.problem_name":             "Enter your name.",
	"invitee.problem_email":            "Enter an email address like name@company.com.",
	"invitee.problem_password_short":   "Use at least 10 characters.",
	"invitee.problem_password_long":    "Use at most 1,024 characters (fewer with accented letters or symbols: the limit is 1,024 bytes).",
	"invitee.problem_password_empty":   "Enter your password.",
	"invitee.problem_password_wrong":   "That password isn't right. Check it and try again.",
	"invitee.problem_deactivated":      "Your account at this business is deactivated. Ask an administrator to reactivate it.",
	"invitee.problem_throttled":        "Too many attempts. Wait 15 minutes, then try again.",
	"invitee.problem_other_person":     "This invitation is for another person. Sign in as the invited address to accept it.",
	"invitee.problem_email_exists":     "A person with this email joined meanwhile. Sign in with it to accept.",
	"invitee.problem_other_account":    "This address already has a Roster account with another business. Ask the person who invited you to invite a different address.",
	"invitee.problem_email_taken":      "This address already has a Roster account. Sign in with it, or use another address.",
	"invitee.problem_already_asked":    "You've already asked to join with this address. An administrator will review your request.",
	"invitee.problem_domain":           "This link only accepts addresses at the domains listed above.",
	"invitee.problem_code_format":      "Enter the 6 digits from the email.",
	"invitee.problem_wrong_code":       "That code isn't right. Check the email and try again.",
	"invitee.problem_code_expired":     "This code has expired. Start again to get a new one.",
	"invitee.problem_code_attempts":    "Too many wrong codes. Start again to get a new one.",
	"invitee.problem_code_gone":        "This code was replaced by a newer one. Use the code from the latest email, or start again.",
	"invitee.problem_joined_meanwhile": "This address joined Roster meanwhile. Sign in with it instead.",
}
