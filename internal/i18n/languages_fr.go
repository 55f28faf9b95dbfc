package i18n

// French for choosing a language (see languages_en.go).
func init() {
	register("fr", map[string]string{
		"lang.picker":                  "Langue",
		"lang.apply":                   "Appliquer",
		"lang.continue":                "Continuer",
		"lang.problem":                 "Choisissez l'une des langues de la liste.",
		"lang.settings":                "Langue",
		"lang.default":                 "Langue par défaut",
		"lang.default_hint":            "Utilisée pour les personnes qui n'ont pas choisi de langue et dont le navigateur n'en demande aucune parmi celles de Roster, ainsi que pour les invitations, sauf si la personne qui invite en choisit une autre.",
		"lang.invitation":              "Langue de l'invitation",
		"lang.invitation_hint":         "L'e-mail, ses rappels et la page d'invitation seront rédigés dans cette langue.",
		"lang.link_hint":               "La page d'inscription s'affiche dans cette langue, sauf si le navigateur de la personne en demande une autre.",
		"lang.import_hint":             "Pour les lignes sans colonne de langue : l'e-mail, ses rappels et la page d'invitation seront rédigés dans cette langue.",
		"lang.csv_column":              "Facultatif. La langue de l'invitation, par exemple fr-FR ou fr-CA ; à défaut, la langue choisie ci-dessous.",
		"lang.csv_header":              "Langue",
		"lang.csv_reason":              "Langue inconnue « %s » : indiquez un code comme fr-FR ou de-DE.",
		"audit.setting.default_locale": "langue par défaut",
		"audit.s.locale_changed":       "%s a choisi la langue %s",
		"audit.action.locale_changed":  "Langue modifiée",
	}, nil)
	// Québec says « courriel ».
	register("fr-CA", map[string]string{
		"lang.invitation_hint": "Le courriel, ses rappels et la page d'invitation seront rédigés dans cette langue.",
		"lang.import_hint":     "Pour les lignes sans colonne de langue : le courriel, ses rappels et la page d'invitation seront rédigés dans cette langue.",
	}, nil)
}
