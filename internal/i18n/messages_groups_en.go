package i18n

// englishGroups is the English catalogue of the Groups and Roles screens (keys "groups.…", "roles.…").
var englishGroups = map[string]string{}
