package i18n

func init() {
	register("de", map[string]string{
		"add.over_limit":                          "Sie haben das Tageslimit von %d Einladungen pro Administrator erreicht, daher wurden %d dieser Adressen nicht eingeladen (unten markiert). Laden Sie sie morgen erneut ein oder bitten Sie einen Kontoadministrator, das Limit in den Einstellungen zu erhöhen.",
		"add.over_limit_link":                     "Sie haben das Tageslimit von %d Einladungen pro Administrator erreicht, daher wurde kein Link erstellt. Versuchen Sie es morgen erneut oder bitten Sie einen Kontoadministrator, das Limit in den Einstellungen zu erhöhen.",
		"audit.setting.invites_per_admin_per_day": "Einladungen pro Administrator und Tag",
		"csv.over_limit":                          "Ihr Tageslimit erlaubt heute noch %d Einladungen. Wenn Sie jetzt bestätigen, werden die letzten %d einzuladenden Zeilen nicht eingeladen (der Bericht listet sie auf). Bitten Sie zuerst einen Kontoadministrator, das Limit in den Einstellungen zu erhöhen, oder importieren Sie den Rest morgen.",
		"error.too_large":                         "Das war zu viel auf einmal",
		"error.too_large_text":                    "Das Formular oder die Datei ist größer, als diese Seite annimmt. Senden Sie weniger auf einmal (ein CSV-Upload darf bis zu 20 MB groß sein).",
		"error.too_many":                          "Zu viele Anfragen",
		"error.too_many_text":                     "Zu viele Versuche in kurzer Zeit von hier. Warten Sie 15 Minuten und versuchen Sie es dann erneut.",
		"form.max_100":                            "Zu lang: höchstens 100 Zeichen.",
		"form.max_1000":                           "Zu lang: höchstens 1.000 Zeichen.",
		"form.max_200":                            "Zu lang: höchstens 200 Zeichen.",
		"invitee.problem_password_common":         "Dieses Passwort probieren Angreifer als Erstes aus (zu häufig oder zu vorhersehbar). Verwenden Sie stattdessen einen Satz aus einigen Wörtern, die nichts miteinander zu tun haben.",
		"outcome.over_limit":                      "Nicht eingeladen: Tageslimit erreicht",
		"settings.invites_per_day":                "Einladungen pro Administrator und Tag",
		"settings.invites_per_day_hint":           "E-Mail-Einladungen, Einladungslinks und CSV-Zeilen, die ein Administrator pro Tag senden darf, gezählt ab Mitternacht UTC (%d bis %d). Das begrenzt den Schaden einer missbrauchten Sitzung oder eines Fehlers.",
		"settings.problem_invites_per_day":        "Geben Sie eine ganze Zahl an Einladungen von 1 bis 100.000 ein.",
		"signup.problem_password_common":          "Dieses Passwort probieren Angreifer als Erstes aus (zu häufig oder zu vorhersehbar). Verwenden Sie stattdessen einen Satz aus einigen Wörtern, die nichts miteinander zu tun haben.",
	}, nil)
}
