package i18n

// englishEmail is the English catalogue of the emails (keys "email.…").
var englishEmail = map[string]string{}
