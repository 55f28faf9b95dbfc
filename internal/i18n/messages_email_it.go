package i18n

func init() {
	register("it", map[string]string{
		// Shared by every email.
		"email.brand":           "Roster",
		"email.button_fallback": "Se il pulsante non funziona, copia e incolla questo link nel browser:",
		"email.wrote":           "%s ha scritto:",

		// Invitation (and its reminders). Values: inviter, inviter's email, account.
		"email.invitation.subject": "%s ti ha invitato a unirti a %s su Roster",
		"email.invitation.heading": "Unisciti a %s su Roster",
		"email.invitation.intro":   "%s (%s) ti ha invitato a unirti a %s su Roster.",
		"email.invitation.groups":  "Entrerai a far parte di questi gruppi:",
		"email.invitation.roles":   "Avrai questi ruoli:",
		"email.invitation.expires": "Questo invito scade %s.",
		"email.invitation.button":  "Accetta l'invito",
		"email.invitation.footer":  "Hai ricevuto questa email perché %s (%s) ti ha invitato a unirti a %s su Roster. Se non te l'aspettavi, puoi ignorare questa email.",
		"email.reminder.heading":   "Il tuo invito a %s scade a breve",

		// "Your invitation was accepted", to the inviter. Values: person, account.
		"email.accepted.subject":      "%s ha accettato il tuo invito a %s",
		"email.accepted.subject_link": "%s ha aderito a %s tramite il tuo link di invito",
		"email.accepted.heading":      "%s ora fa parte di %s",
		"email.accepted.intro":        "%s (%s) ha accettato il tuo invito e ora fa parte di %s.",
		"email.accepted.intro_link":   "%s (%s) ha aderito a %s tramite il tuo link di invito «%s».",
		"email.accepted.next":         "Puoi controllare i suoi gruppi e ruoli nella pagina Persone.",
		"email.accepted.button":       "Apri Persone",
		"email.accepted.footer":       "Hai ricevuto questa email perché hai invitato %s a unirsi a %s su Roster.",
		"email.accepted.footer_link":  "Hai ricevuto questa email perché hai creato un link di invito per %s su Roster.",

		// Join request, to the approvers. Values: person, account.
		"email.join_request.subject":         "%s è in attesa di approvazione per unirsi a %s",
		"email.join_request.heading":         "Nuova richiesta di accesso a %s",
		"email.join_request.intro":           "%s (%s) ha usato il link di invito «%s» ed è in attesa di approvazione per unirsi a %s.",
		"email.join_request.intro_unlabeled": "%s (%s) ha usato un link di invito ed è in attesa di approvazione per unirsi a %s.",
		"email.join_request.next":            "Esamina la richiesta per approvarla o rifiutarla. Durante l'approvazione puoi modificare i suoi gruppi e ruoli.",
		"email.join_request.button":          "Esamina la richiesta",
		"email.join_request.footer":          "Hai ricevuto questa email perché puoi approvare le richieste di accesso a %s su Roster.",

		// Email confirmation, to someone joining through a link.
		"email.confirm.subject":     "%s è il tuo codice per unirti a %s",
		"email.confirm.heading":     "Conferma il tuo indirizzo email",
		"email.confirm.intro":       "Per completare l'adesione a %s su Roster, inserisci questo codice:",
		"email.confirm.or_link":     "Oppure conferma con un clic:",
		"email.confirm.button":      "Conferma indirizzo email",
		"email.confirm.expires":     "Il codice e il link funzionano fino al %s.",
		"email.confirm.never_share": "Non condividere questo codice con nessuno: chi lo possiede può unirsi al posto tuo.",
		"email.confirm.footer":      "Hai ricevuto questa email perché qualcuno ha usato questo indirizzo per unirsi a %s su Roster. Se non hai fatto tu questa richiesta, puoi ignorare questa email senza problemi.",

		// Join request decision, to the joiner. Values: account.
		"email.decision.approved.subject": "Ti diamo il benvenuto in %s: la tua richiesta di accesso è stata approvata",
		"email.decision.approved.heading": "Ti diamo il benvenuto in %s",
		"email.decision.approved.intro":   "La tua richiesta di accesso a %s su Roster è stata approvata.",
		"email.decision.approved.groups":  "I tuoi gruppi:",
		"email.decision.approved.roles":   "I tuoi ruoli:",
		"email.decision.approved.button":  "Accedi a Roster",
		"email.decision.denied.subject":   "La tua richiesta di accesso a %s non è stata approvata",
		"email.decision.denied.heading":   "La tua richiesta non è stata approvata",
		"email.decision.denied.intro":     "Un amministratore di %s ha rifiutato la tua richiesta di accesso su Roster.",
		"email.decision.denied.next":      "Se pensi che si tratti di un errore, contatta la persona che ha condiviso con te il link di invito.",
		"email.decision.footer":           "Hai ricevuto questa email perché hai chiesto di unirti a %s su Roster.",

		// "Ask for a new invitation", to the inviter. Values: requester, account
		// (the *_unknown forms: account only).
		"email.new_invitation.subject":         "%s ha chiesto un nuovo invito per %s",
		"email.new_invitation.subject_unknown": "Qualcuno ha chiesto un nuovo invito per %s",
		"email.new_invitation.heading":         "È stato richiesto un nuovo invito",
		"email.new_invitation.expired":         "%s ha aperto un invito a %s ormai scaduto e ne ha chiesto uno nuovo.",
		"email.new_invitation.expired_unknown": "Qualcuno ha aperto un invito a %s ormai scaduto e ne ha chiesto uno nuovo.",
		"email.new_invitation.revoked":         "%s ha aperto un invito a %s che è stato revocato e ne ha chiesto uno nuovo.",
		"email.new_invitation.revoked_unknown": "Qualcuno ha aperto un invito a %s che è stato revocato e ne ha chiesto uno nuovo.",
		"email.new_invitation.used_up":         "%s ha aperto un link di invito a %s che ha raggiunto il numero massimo di utilizzi e ha chiesto un nuovo invito.",
		"email.new_invitation.used_up_unknown": "Qualcuno ha aperto un link di invito a %s che ha raggiunto il numero massimo di utilizzi e ha chiesto un nuovo invito.",
		"email.new_invitation.other":           "%s ha aperto un invito a %s che non funziona più e ne ha chiesto uno nuovo.",
		"email.new_invitation.other_unknown":   "Qualcuno ha aperto un invito a %s che non funziona più e ne ha chiesto uno nuovo.",
		"email.new_invitation.next":            "Se deve avere accesso, puoi inviare un nuovo invito dalla scheda Inviti.",
		"email.new_invitation.button":          "Apri Inviti",
		"email.new_invitation.footer":          "Hai ricevuto questa email perché qualcuno ti ha chiesto, in quanto autore dell'invito, un nuovo invito per %s su Roster.",
	}, map[string][2]string{
		// Values: days left, account.
		"email.reminder.subject": {
			"Promemoria: il tuo invito a unirti a %[2]s scade tra %[1]d giorno",
			"Promemoria: il tuo invito a unirti a %[2]s scade tra %[1]d giorni",
		},
		// Values: days left, inviter, inviter's email, account, long date.
		"email.reminder.intro": {
			"%[2]s (%[3]s) ti ha invitato a unirti a %[4]s su Roster. L'invito scade tra %[1]d giorno, %[5]s.",
			"%[2]s (%[3]s) ti ha invitato a unirti a %[4]s su Roster. L'invito scade tra %[1]d giorni, %[5]s.",
		},
	})
}
