package i18n

// englishInvitee is the English catalogue of the invitee pages
// (/invite/…, /join/…): keys "invitee.…".
var englishInvitee = map[string]string{}
