package i18n

// Italian for choosing a language (see languages_en.go).
func init() {
	register("it", map[string]string{
		"lang.picker":                  "Lingua",
		"lang.apply":                   "Applica",
		"lang.continue":                "Continua",
		"lang.problem":                 "Scegli una delle lingue dell'elenco.",
		"lang.settings":                "Lingua",
		"lang.default":                 "Lingua predefinita",
		"lang.default_hint":            "Vale per chi non ha scelto una lingua e il cui browser non ne chiede nessuna tra quelle di Roster, e per gli inviti, a meno che chi invita non ne scelga un'altra.",
		"lang.invitation":              "Lingua dell'invito",
		"lang.invitation_hint":         "L'email, i promemoria e la pagina dell'invito saranno in questa lingua.",
		"lang.link_hint":               "La pagina di adesione sarà in questa lingua, a meno che il browser della persona non ne chieda un'altra.",
		"lang.import_hint":             "Per le righe senza colonna della lingua: l'email, i promemoria e la pagina dell'invito saranno in questa lingua.",
		"lang.csv_column":              "Facoltativa. La lingua dell'invito, ad esempio it-IT o de-DE; se manca, vale la lingua scelta qui sotto.",
		"lang.csv_header":              "Lingua",
		"lang.csv_reason":              "Lingua sconosciuta «%s»: indica un codice come it-IT o de-DE.",
		"audit.setting.default_locale": "lingua predefinita",
		"audit.s.locale_changed":       "%s ha cambiato la lingua in %s",
		"audit.action.locale_changed":  "Lingua cambiata",
	}, nil)
}
