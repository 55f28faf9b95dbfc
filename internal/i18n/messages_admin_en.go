package i18n

// englishAdmin is the English catalogue of the administration screens: people, audit log, settings (keys "person.…", "audit.…", "settings.…").
var englishAdmin = map[string]string{}
