package i18n

// englishSecurity is the English catalogue of limits and refusals: body
// caps, rate limits, invitation quotas and password rules.
var englishSecurity = map[string]string{
	"error.too_large":      "That was too much to send at once",
	"error.too_large_text": "The form or file is larger than this page accepts. Send less at a time (a CSV upload takes up to 20 MB).",
	"error.too_many":       "Too many requests",
	"error.too_many_text":  "Too many attempts in a short time from here. Wait 15 minutes, then try again.",
}

// englishSecurityPlurals are its plural messages {one, other}.
var englishSecurityPlurals = map[string][2]string{}
