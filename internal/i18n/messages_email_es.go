package i18n

// Spanish (es-ES and es-MX) translation of messages_email_en.go. The
// comments there give the values of each message, in order.
func init() {
	register("es", map[string]string{
		// Shared by every email.
		"email.brand":           "Roster",
		"email.button_fallback": "Si el botón no funciona, copia y pega este enlace en tu navegador:",
		"email.wrote":           "%s escribió:",

		// Invitation (and its reminders).
		"email.invitation.subject": "%s te invitó a unirte a %s en Roster",
		"email.invitation.heading": "Únete a %s en Roster",
		"email.invitation.intro":   "%s (%s) te invitó a unirte a %s en Roster.",
		"email.invitation.groups":  "Te unirás a estos grupos:",
		"email.invitation.roles":   "Tendrás estos roles:",
		"email.invitation.expires": "Esta invitación caduca el %s.",
		"email.invitation.button":  "Aceptar invitación",
		"email.invitation.footer":  "Recibes este correo porque %s (%s) te invitó a unirte a %s en Roster. Si no lo esperabas, puedes ignorarlo.",
		"email.reminder.heading":   "Tu invitación a %s caduca pronto",

		// "Your invitation was accepted", to the inviter.
		"email.accepted.subject":      "%s aceptó tu invitación a %s",
		"email.accepted.subject_link": "%s se unió a %s mediante tu enlace de invitación",
		"email.accepted.heading":      "%s se unió a %s",
		"email.accepted.intro":        "%s (%s) aceptó tu invitación y ya es miembro de %s.",
		"email.accepted.intro_link":   "%s (%s) se unió a %s mediante tu enlace de invitación “%s”.",
		"email.accepted.next":         "Puedes revisar sus grupos y roles en la página Personas.",
		"email.accepted.button":       "Abrir Personas",
		"email.accepted.footer":       "Recibes este correo porque invitaste a %s a unirse a %s en Roster.",
		"email.accepted.footer_link":  "Recibes este correo porque creaste un enlace de invitación para %s en Roster.",

		// Join request, to the approvers.
		"email.join_request.subject":         "%s espera aprobación para unirse a %s",
		"email.join_request.heading":         "Nueva solicitud de acceso a %s",
		"email.join_request.intro":           "%s (%s) usó el enlace de invitación “%s” y espera aprobación para unirse a %s.",
		"email.join_request.intro_unlabeled": "%s (%s) usó un enlace de invitación y espera aprobación para unirse a %s.",
		"email.join_request.next":            "Revisa la solicitud para aprobarla o rechazarla. Al aprobarla, puedes ajustar sus grupos y roles.",
		"email.join_request.button":          "Revisar solicitud",
		"email.join_request.footer":          "Recibes este correo porque puedes aprobar solicitudes de acceso a %s en Roster.",

		// Email confirmation, to someone joining through a link.
		"email.confirm.subject":     "%s es tu código para unirte a %s",
		"email.confirm.heading":     "Confirma tu dirección de correo",
		"email.confirm.intro":       "Para terminar de unirte a %s en Roster, escribe este código:",
		"email.confirm.or_link":     "O confirma con un clic:",
		"email.confirm.button":      "Confirmar dirección de correo",
		"email.confirm.expires":     "El código y el enlace funcionan hasta el %s.",
		"email.confirm.never_share": "No compartas este código con nadie: permite a quien lo tenga unirse en tu nombre.",
		"email.confirm.footer":      "Recibes este correo porque alguien usó esta dirección para unirse a %s en Roster. Si no fuiste tú, puedes ignorarlo sin problema.",

		// Join request decision, to the joiner.
		"email.decision.approved.subject": "Te damos la bienvenida a %s: se aprobó tu solicitud de acceso",
		"email.decision.approved.heading": "Te damos la bienvenida a %s",
		"email.decision.approved.intro":   "Se aprobó tu solicitud para unirte a %s en Roster.",
		"email.decision.approved.groups":  "Tus grupos:",
		"email.decision.approved.roles":   "Tus roles:",
		"email.decision.approved.button":  "Iniciar sesión en Roster",
		"email.decision.denied.subject":   "No se aprobó tu solicitud para unirte a %s",
		"email.decision.denied.heading":   "No se aprobó tu solicitud",
		"email.decision.denied.intro":     "Un administrador de %s rechazó tu solicitud de acceso en Roster.",
		"email.decision.denied.next":      "Si crees que se trata de un error, ponte en contacto con la persona que compartió contigo el enlace de invitación.",
		"email.decision.footer":           "Recibes este correo porque solicitaste unirte a %s en Roster.",

		// "Ask for a new invitation", to the inviter.
		"email.new_invitation.subject":         "%s pidió una nueva invitación a %s",
		"email.new_invitation.subject_unknown": "Alguien pidió una nueva invitación a %s",
		"email.new_invitation.heading":         "Se solicitó una nueva invitación",
		"email.new_invitation.expired":         "%s abrió una invitación a %s que ya había caducado y pidió una nueva.",
		"email.new_invitation.expired_unknown": "Alguien abrió una invitación a %s que ya había caducado y pidió una nueva.",
		"email.new_invitation.revoked":         "%s abrió una invitación a %s que se había revocado y pidió una nueva.",
		"email.new_invitation.revoked_unknown": "Alguien abrió una invitación a %s que se había revocado y pidió una nueva.",
		"email.new_invitation.used_up":         "%s abrió un enlace de invitación a %s que ya había alcanzado su número máximo de usos y pidió una nueva invitación.",
		"email.new_invitation.used_up_unknown": "Alguien abrió un enlace de invitación a %s que ya había alcanzado su número máximo de usos y pidió una nueva invitación.",
		"email.new_invitation.other":           "%s abrió una invitación a %s que ya no funciona y pidió una nueva.",
		"email.new_invitation.other_unknown":   "Alguien abrió una invitación a %s que ya no funciona y pidió una nueva.",
		"email.new_invitation.next":            "Si esta persona debe tener acceso, puedes enviarle una nueva invitación desde la pestaña Invitaciones.",
		"email.new_invitation.button":          "Abrir Invitaciones",
		"email.new_invitation.footer":          "Recibes este correo porque enviaste la invitación original y alguien te pidió una nueva para unirse a %s en Roster.",
	}, map[string][2]string{
		// Values: days left, account.
		"email.reminder.subject": {
			"Recordatorio: tu invitación para unirte a %[2]s caduca en %[1]d día",
			"Recordatorio: tu invitación para unirte a %[2]s caduca en %[1]d días",
		},
		// Values: days left, inviter, inviter's email, account, long date.
		"email.reminder.intro": {
			"%[2]s (%[3]s) te invitó a unirte a %[4]s en Roster. La invitación caduca en %[1]d día, el %[5]s.",
			"%[2]s (%[3]s) te invitó a unirte a %[4]s en Roster. La invitación caduca en %[1]d días, el %[5]s.",
		},
	})
}
