package i18n

func init() {
	register("es", map[string]string{
		"add.over_limit":                          "Alcanzaste el límite diario de %d invitaciones por administrador, así que %d de estas direcciones no se invitaron (marcadas abajo). Vuelve a invitarlas mañana o pide a un administrador de la cuenta que aumente el límite en Configuración.",
		"add.over_limit_link":                     "Alcanzaste el límite diario de %d invitaciones por administrador, así que no se creó ningún enlace. Vuelve a intentarlo mañana o pide a un administrador de la cuenta que aumente el límite en Configuración.",
		"audit.setting.invites_per_admin_per_day": "invitaciones por administrador y día",
		"csv.over_limit":                          "Tu límite diario te permite enviar %d invitaciones más hoy, así que las últimas %d filas por invitar no se invitarán si confirmas ahora (el informe las mostrará). Pide antes a un administrador de la cuenta que aumente el límite en Configuración o importa el resto mañana.",
		"error.too_large":                         "Era demasiado para enviarlo de una vez",
		"error.too_large_text":                    "El formulario o el archivo es más grande de lo que acepta esta página. Envía menos cada vez (una carga de CSV admite hasta 20 MB).",
		"error.too_many":                          "Demasiadas solicitudes",
		"error.too_many_text":                     "Demasiados intentos en poco tiempo desde aquí. Espera 15 minutos y vuelve a intentarlo.",
		"form.max_100":                            "Es demasiado largo: usa como máximo 100 caracteres.",
		"form.max_1000":                           "Es demasiado largo: usa como máximo 1000 caracteres.",
		"form.max_200":                            "Es demasiado largo: usa como máximo 200 caracteres.",
		"invitee.problem_password_common":         "Esta contraseña es de las primeras que prueban los atacantes (demasiado común o predecible). Usa una frase de varias palabras sin relación entre sí.",
		"outcome.over_limit":                      "No invitado: se alcanzó el límite diario",
		"settings.invites_per_day":                "Invitaciones por administrador y día",
		"settings.invites_per_day_hint":           "Invitaciones por correo, enlaces de invitación y filas de CSV que un administrador puede enviar al día, contadas desde la medianoche UTC (de %d a %d). Limita el daño de una sesión mal usada o de un error.",
		"settings.problem_invites_per_day":        "Escribe un número entero de invitaciones entre 1 y 100 000.",
		"signup.problem_password_common":          "Esta contraseña es de las primeras que prueban los atacantes (demasiado común o predecible). Usa una frase de varias palabras sin relación entre sí.",
	}, nil)
}
