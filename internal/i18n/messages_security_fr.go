package i18n

func init() {
	register("fr", map[string]string{
		"add.over_limit":                          "Vous avez atteint la limite du jour de %d invitations par administrateur : %d de ces adresses n’ont pas été invitées (signalées ci-dessous). Invitez-les de nouveau demain, ou demandez à un administrateur du compte de relever la limite dans les Paramètres.",
		"add.over_limit_link":                     "Vous avez atteint la limite du jour de %d invitations par administrateur : aucun lien n’a été créé. Réessayez demain, ou demandez à un administrateur du compte de relever la limite dans les Paramètres.",
		"audit.setting.invites_per_admin_per_day": "invitations par administrateur et par jour",
		"csv.over_limit":                          "Votre limite quotidienne vous permet encore %d invitations aujourd’hui : si vous confirmez maintenant, les %d dernières lignes à inviter ne seront pas invitées (le rapport les listera). Demandez d’abord à un administrateur du compte de relever la limite dans les Paramètres, ou importez le reste demain.",
		"error.too_large":                         "C’était trop à envoyer d’un coup",
		"error.too_large_text":                    "Le formulaire ou le fichier dépasse ce que cette page accepte. Envoyez-en moins à la fois (un import CSV accepte jusqu’à 20 Mo).",
		"error.too_many":                          "Trop de requêtes",
		"error.too_many_text":                     "Trop de tentatives en peu de temps depuis cet endroit. Patientez 15 minutes, puis réessayez.",
		"form.max_100":                            "C’est trop long : 100 caractères au maximum.",
		"form.max_1000":                           "C’est trop long : 1 000 caractères au maximum.",
		"form.max_200":                            "C’est trop long : 200 caractères au maximum.",
		"invitee.problem_password_common":         "Ce mot de passe fait partie de ceux que les attaquants essaient en premier (trop courant ou trop prévisible). Utilisez plutôt une phrase de quelques mots sans rapport entre eux.",
		"outcome.over_limit":                      "Non invité : limite du jour atteinte",
		"settings.invites_per_day":                "Invitations par administrateur et par jour",
		"settings.invites_per_day_hint":           "Invitations par e-mail, liens d’invitation et lignes CSV qu’un administrateur peut envoyer par jour, comptés depuis minuit UTC (de %d à %d). Cela limite les dégâts d’une session détournée ou d’une erreur.",
		"settings.problem_invites_per_day":        "Saisissez un nombre entier d’invitations entre 1 et 100 000.",
		"signup.problem_password_common":          "Ce mot de passe fait partie de ceux que les attaquants essaient en premier (trop courant ou trop prévisible). Utilisez plutôt une phrase de quelques mots sans rapport entre eux.",
	}, nil)
}
