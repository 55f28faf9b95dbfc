package i18n

// German for choosing a language (see languages_en.go).
func init() {
	register("de", map[string]string{
		"lang.picker":                  "Sprache",
		"lang.apply":                   "Übernehmen",
		"lang.continue":                "Weiter",
		"lang.problem":                 "Wählen Sie eine Sprache aus der Liste.",
		"lang.settings":                "Sprache",
		"lang.default":                 "Standardsprache",
		"lang.default_hint":            "Gilt für Personen, die keine Sprache gewählt haben und deren Browser keine der Sprachen von Roster anfordert, und für Einladungen, sofern die einladende Person keine andere wählt.",
		"lang.invitation":              "Sprache der Einladung",
		"lang.invitation_hint":         "Die E-Mail, ihre Erinnerungen und die Einladungsseite erscheinen in dieser Sprache.",
		"lang.link_hint":               "Die Beitrittsseite erscheint in dieser Sprache, sofern der Browser der Person keine andere anfordert.",
		"lang.import_hint":             "Für Zeilen ohne Sprachspalte: Die E-Mail, ihre Erinnerungen und die Einladungsseite erscheinen in dieser Sprache.",
		"lang.csv_column":              "Optional. Die Sprache der Einladung, z. B. de-DE oder fr-FR; fehlt sie, gilt die unten gewählte Sprache.",
		"lang.csv_header":              "Sprache",
		"lang.csv_reason":              "Unbekannte Sprache „%s“: Geben Sie einen Code wie de-DE oder fr-FR an.",
		"audit.setting.default_locale": "Standardsprache",
		"audit.s.locale_changed":       "%s hat die Sprache auf %s umgestellt",
		"audit.action.locale_changed":  "Sprache geändert",
	}, nil)
}
