package i18n

// German catalogue of messages_email_en.go. Values come in the order
// messages_email_en.go gives; %[n] reorders them where German needs it.
func init() {
	register("de", map[string]string{
		// Shared by every email.
		"email.brand":           "Roster",
		"email.button_fallback": "Falls die Schaltfläche nicht funktioniert, kopieren Sie diesen Link in Ihren Browser:",
		"email.wrote":           "%s schrieb:",

		// Invitation (and its reminders). Values: inviter, inviter's email, account.
		"email.invitation.subject": "%s hat Sie zu %s auf Roster eingeladen",
		"email.invitation.heading": "Treten Sie %s auf Roster bei",
		"email.invitation.intro":   "%s (%s) hat Sie eingeladen, %s auf Roster beizutreten.",
		"email.invitation.groups":  "Sie werden Mitglied dieser Gruppen:",
		"email.invitation.roles":   "Sie erhalten diese Rollen:",
		"email.invitation.expires": "Diese Einladung läuft am %s ab.",
		"email.invitation.button":  "Einladung annehmen",
		"email.invitation.footer":  "Sie erhalten diese E-Mail, weil %s (%s) Sie eingeladen hat, %s auf Roster beizutreten. Wenn Sie diese Einladung nicht erwartet haben, können Sie diese E-Mail ignorieren.",
		"email.reminder.heading":   "Ihre Einladung zu %s läuft bald ab",

		// "Your invitation was accepted", to the inviter. Values: person, account.
		"email.accepted.subject":      "%s hat Ihre Einladung zu %s angenommen",
		"email.accepted.subject_link": "%s ist %s über Ihren Einladungslink beigetreten",
		"email.accepted.heading":      "%s ist %s beigetreten",
		"email.accepted.intro":        "%s (%s) hat Ihre Einladung angenommen und ist jetzt Mitglied von %s.",
		"email.accepted.intro_link":   "%s (%s) ist %s über Ihren Einladungslink „%s“ beigetreten.",
		"email.accepted.next":         "Auf der Seite „Personen“ können Sie die Gruppen und Rollen der Person prüfen.",
		"email.accepted.button":       "Personen öffnen",
		"email.accepted.footer":       "Sie erhalten diese E-Mail, weil Sie %s zu %s auf Roster eingeladen haben.",
		"email.accepted.footer_link":  "Sie erhalten diese E-Mail, weil Sie einen Einladungslink für %s auf Roster erstellt haben.",

		// Join request, to the approvers. Values: person, account.
		"email.join_request.subject":         "%s wartet auf die Genehmigung für den Beitritt zu %s",
		"email.join_request.heading":         "Neue Beitrittsanfrage für %s",
		"email.join_request.intro":           "%s (%s) hat über den Einladungslink „%s“ den Beitritt zu %s angefragt und wartet auf Genehmigung.",
		"email.join_request.intro_unlabeled": "%s (%s) hat über einen Einladungslink den Beitritt zu %s angefragt und wartet auf Genehmigung.",
		"email.join_request.next":            "Prüfen Sie die Anfrage, um sie zu genehmigen oder abzulehnen. Beim Genehmigen können Sie die Gruppen und Rollen der Person anpassen.",
		"email.join_request.button":          "Anfrage prüfen",
		"email.join_request.footer":          "Sie erhalten diese E-Mail, weil Sie Beitrittsanfragen für %s auf Roster genehmigen können.",

		// Email confirmation, to someone joining through a link.
		"email.confirm.subject":     "%s ist Ihr Code für den Beitritt zu %s",
		"email.confirm.heading":     "Bestätigen Sie Ihre E-Mail-Adresse",
		"email.confirm.intro":       "Geben Sie diesen Code ein, um den Beitritt zu %s auf Roster abzuschließen:",
		"email.confirm.or_link":     "Oder bestätigen Sie mit einem Klick:",
		"email.confirm.button":      "E-Mail-Adresse bestätigen",
		"email.confirm.expires":     "Der Code und der Link sind bis %s gültig.",
		"email.confirm.never_share": "Geben Sie diesen Code an niemanden weiter: Wer ihn hat, kann in Ihrem Namen beitreten.",
		"email.confirm.footer":      "Sie erhalten diese E-Mail, weil jemand diese Adresse verwendet hat, um %s auf Roster beizutreten. Wenn Sie das nicht waren, können Sie diese E-Mail einfach ignorieren.",

		// Join request decision, to the joiner. Values: account.
		"email.decision.approved.subject": "Willkommen bei %s: Ihre Beitrittsanfrage wurde genehmigt",
		"email.decision.approved.heading": "Willkommen bei %s",
		"email.decision.approved.intro":   "Ihre Anfrage, %s auf Roster beizutreten, wurde genehmigt.",
		"email.decision.approved.groups":  "Ihre Gruppen:",
		"email.decision.approved.roles":   "Ihre Rollen:",
		"email.decision.approved.button":  "Bei Roster anmelden",
		"email.decision.denied.subject":   "Ihre Beitrittsanfrage für %s wurde nicht genehmigt",
		"email.decision.denied.heading":   "Ihre Anfrage wurde nicht genehmigt",
		"email.decision.denied.intro":     "Ein Administrator von %s hat Ihre Beitrittsanfrage auf Roster abgelehnt.",
		"email.decision.denied.next":      "Wenn Sie das für einen Fehler halten, wenden Sie sich an die Person, die den Einladungslink mit Ihnen geteilt hat.",
		"email.decision.footer":           "Sie erhalten diese E-Mail, weil Sie den Beitritt zu %s auf Roster angefragt haben.",

		// "Ask for a new invitation", to the inviter. Values: requester, account
		// (the *_unknown forms: account only).
		"email.new_invitation.subject":         "%s hat eine neue Einladung zu %s angefordert",
		"email.new_invitation.subject_unknown": "Jemand hat eine neue Einladung zu %s angefordert",
		"email.new_invitation.heading":         "Eine neue Einladung wurde angefordert",
		"email.new_invitation.expired":         "%s hat eine abgelaufene Einladung zu %s geöffnet und um eine neue gebeten.",
		"email.new_invitation.expired_unknown": "Jemand hat eine abgelaufene Einladung zu %s geöffnet und um eine neue gebeten.",
		"email.new_invitation.revoked":         "%s hat eine widerrufene Einladung zu %s geöffnet und um eine neue gebeten.",
		"email.new_invitation.revoked_unknown": "Jemand hat eine widerrufene Einladung zu %s geöffnet und um eine neue gebeten.",
		"email.new_invitation.used_up":         "%s hat einen Einladungslink zu %s geöffnet, der die maximale Anzahl an Nutzungen erreicht hat, und um eine neue Einladung gebeten.",
		"email.new_invitation.used_up_unknown": "Jemand hat einen Einladungslink zu %s geöffnet, der die maximale Anzahl an Nutzungen erreicht hat, und um eine neue Einladung gebeten.",
		"email.new_invitation.other":           "%s hat eine Einladung zu %s geöffnet, die nicht mehr gültig ist, und um eine neue gebeten.",
		"email.new_invitation.other_unknown":   "Jemand hat eine Einladung zu %s geöffnet, die nicht mehr gültig ist, und um eine neue gebeten.",
		"email.new_invitation.next":            "Wenn die Person Zugriff haben soll, können Sie auf der Registerkarte „Einladungen“ eine neue Einladung senden.",
		"email.new_invitation.button":          "Einladungen öffnen",
		"email.new_invitation.footer":          "Sie erhalten diese E-Mail, weil jemand Sie als einladende Person um eine neue Einladung zu %s auf Roster gebeten hat.",
	}, map[string][2]string{
		// Values: days left, account.
		"email.reminder.subject": {
			"Erinnerung: Ihre Einladung zu %[2]s läuft in %[1]d Tag ab",
			"Erinnerung: Ihre Einladung zu %[2]s läuft in %[1]d Tagen ab",
		},
		// Values: days left, inviter, inviter's email, account, long date.
		"email.reminder.intro": {
			"%[2]s (%[3]s) hat Sie eingeladen, %[4]s auf Roster beizutreten. Die Einladung läuft in %[1]d Tag ab, am %[5]s.",
			"%[2]s (%[3]s) hat Sie eingeladen, %[4]s auf Roster beizutreten. Die Einladung läuft in %[1]d Tagen ab, am %[5]s.",
		},
	})
}
