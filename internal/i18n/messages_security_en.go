package i18n

// englishSecurity is the English catalogue of limits and refusals: body
// caps, rate limits, invitation quotas and password rules.
var englishSecurity = map[string]string{
	"error.too_large":      "That was too much to send at once",
	"error.too_large_text": "The form or file is larger than this page accepts. Send less at a time (a CSV upload takes up to 20 MB).",
	"form.max_100":         "This is too long: use at most 100 characters.",
	"form.max_200":         "This is too long: use at most 200 characters.",
	"form.max_1000":        "This is too long: use at most 1,000 characters.",

	"error.too_many":      "Too many requests",
	"error.too_many_text": "Too many attempts in a short time from here. Wait 15 minutes, then try again.",

	"signup.problem_password_common":  "This password is one attackers try first (too common or too predictable). Use a phrase of a few unrelated words instead.",
	"invitee.problem_password_common": "This password is one attackers try first (too common or too predictable). Use a phrase of a few unrelated words instead.",

	"csv.over_limit":      "Your daily invitation limit lets you send %d more today, so the last %d rows to invite will not be invited if you confirm now (the report will list them). Ask an account administrator to raise the limit in Settings first, or import the rest tomorrow.",
	"outcome.over_limit":  "Not invited: daily limit reached",
	"add.over_limit":      "You reached today's limit of %d invitations per administrator, so %d of these addresses were not invited (marked below). Invite them again tomorrow, or ask an account administrator to raise the limit in Settings.",
	"add.over_limit_link": "You reached today's limit of %d invitations per administrator, so no link was made. Try again tomorrow, or ask an account administrator to raise the limit in Settings.",

	"settings.invites_per_day":                "Invitations per administrator per day",
	"settings.invites_per_day_hint":           "Email invitations, invite links and CSV rows one administrator may send per day, counted from midnight UTC (%d to %d). It limits the harm of a misused session or a mistake.",
	"settings.problem_invites_per_day":        "Enter a whole number of invitations from 1 to 100,000.",
	"audit.setting.invites_per_admin_per_day": "invitations per administrator per day",
}

// englishSecurityPlurals are its plural messages {one, other}.
var englishSecurityPlurals = map[string][2]string{}
