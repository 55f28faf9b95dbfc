package i18n

// Spanish for choosing a language (see languages_en.go).
func init() {
	register("es", map[string]string{
		"lang.picker":                  "Idioma",
		"lang.apply":                   "Aplicar",
		"lang.continue":                "Continuar",
		"lang.problem":                 "Elige uno de los idiomas de la lista.",
		"lang.settings":                "Idioma",
		"lang.default":                 "Idioma predeterminado",
		"lang.default_hint":            "Se usa con quienes no han elegido idioma y cuyo navegador no pide ninguno de los que ofrece Roster, y en las invitaciones, salvo que quien invita elija otro.",
		"lang.invitation":              "Idioma de la invitación",
		"lang.invitation_hint":         "El correo, sus recordatorios y la página de la invitación estarán en este idioma.",
		"lang.link_hint":               "La página para unirse se mostrará en este idioma, salvo que el navegador de la persona pida otro.",
		"lang.import_hint":             "Para las filas sin columna de idioma: el correo, sus recordatorios y la página de la invitación estarán en este idioma.",
		"lang.csv_column":              "Opcional. El idioma de la invitación, por ejemplo es-ES o es-MX; si falta, se usa el idioma elegido abajo.",
		"lang.csv_header":              "Idioma",
		"lang.csv_reason":              "Idioma desconocido “%s”: escribe un código como es-ES o es-MX.",
		"audit.setting.default_locale": "idioma predeterminado",
		"audit.s.locale_changed":       "%s cambió su idioma a %s",
		"audit.action.locale_changed":  "Idioma cambiado",
	}, nil)
}
