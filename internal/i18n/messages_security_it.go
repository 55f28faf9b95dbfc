package i18n

func init() {
	register("it", map[string]string{
		"add.over_limit":                          "Hai raggiunto il limite giornaliero di %d inviti per amministratore, quindi %d di questi indirizzi non sono stati invitati (segnalati sotto). Invitali di nuovo domani o chiedi a un amministratore dell’account di aumentare il limite nelle Impostazioni.",
		"add.over_limit_link":                     "Hai raggiunto il limite giornaliero di %d inviti per amministratore, quindi non è stato creato alcun link. Riprova domani o chiedi a un amministratore dell’account di aumentare il limite nelle Impostazioni.",
		"audit.setting.invites_per_admin_per_day": "inviti per amministratore al giorno",
		"csv.over_limit":                          "Il tuo limite giornaliero ti consente ancora %d inviti oggi, quindi se confermi ora le ultime %d righe da invitare non verranno invitate (il report le elencherà). Chiedi prima a un amministratore dell’account di aumentare il limite nelle Impostazioni, oppure importa il resto domani.",
		"error.too_large":                         "Troppi dati da inviare in una volta",
		"error.too_large_text":                    "Il modulo o il file è più grande di quanto questa pagina accetti. Invia meno dati alla volta (un caricamento CSV accetta fino a 20 MB).",
		"error.too_many":                          "Troppe richieste",
		"error.too_many_text":                     "Troppi tentativi in poco tempo da qui. Attendi 15 minuti, poi riprova.",
		"form.max_100":                            "Testo troppo lungo: usa al massimo 100 caratteri.",
		"form.max_1000":                           "Testo troppo lungo: usa al massimo 1000 caratteri.",
		"form.max_200":                            "Testo troppo lungo: usa al massimo 200 caratteri.",
		"invitee.problem_password_common":         "Questa password è tra le prime che gli aggressori provano (troppo comune o prevedibile). Usa invece una frase di alcune parole scollegate tra loro.",
		"outcome.over_limit":                      "Non invitato: limite giornaliero raggiunto",
		"settings.invites_per_day":                "Inviti per amministratore al giorno",
		"settings.invites_per_day_hint":           "Inviti via email, link di invito e righe CSV che un amministratore può inviare al giorno, contati dalla mezzanotte UTC (da %d a %d). Limita i danni di una sessione usata impropriamente o di un errore.",
		"settings.problem_invites_per_day":        "Inserisci un numero intero di inviti da 1 a 100.000.",
		"signup.problem_password_common":          "Questa password è tra le prime che gli aggressori provano (troppo comune o prevedibile). Usa invece una frase di alcune parole scollegate tra loro.",
	}, nil)
}
