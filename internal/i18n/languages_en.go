package i18n

// englishLanguages is the English catalogue of choosing a language: the
// picker on every page, the account's default language, the language of
// an invitation and of a CSV import (keys "lang.…", and the audit log's
// name of the default-language setting).
var englishLanguages = map[string]string{
	"lang.picker":                  "Language",
	"lang.apply":                   "Apply",
	"lang.problem":                 "Choose one of the languages in the list.",
	"lang.settings":                "Language",
	"lang.default":                 "Default language",
	"lang.default_hint":            "Used for people who have not chosen a language and whose browser asks for none that Roster offers, and for invitations unless the inviter picks another.",
	"lang.invitation":              "Language of the invitation",
	"lang.invitation_hint":         "The email, its reminders and the invitation page are written in this language.",
	"lang.link_hint":               "The page people join on is written in this language, unless their browser asks for another.",
	"lang.import_hint":             "For rows without a language column; the email, its reminders and the invitation page are written in this language.",
	"lang.csv_column":              "Optional. The invitation’s language, e.g. fr-FR or de-DE; without it, the language chosen below.",
	"lang.csv_header":              "Language",
	"lang.csv_reason":              "Unknown language “%s”: write a code such as fr-FR or de-DE.",
	"lang.continue":                "Continue",
	"audit.setting.default_locale": "default language",
	"audit.s.locale_changed":       "%s changed their language to %s",
	"audit.action.locale_changed":  "Language changed",
}
