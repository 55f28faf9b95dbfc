package i18n

// englishCSV is the English catalogue of CSV import and export (keys
// "csv.…").
var englishCSV = map[string]string{
	"csv.col_name":         "Name",
	"csv.col_email":        "Email",
	"csv.col_status":       "Status",
	"csv.col_groups":       "Groups",
	"csv.col_roles":        "Roles",
	"csv.col_last_sign_in": "Last sign-in (UTC)",
	"csv.col_added":        "Added (UTC)",
	"csv.col_invited_by":   "Invited by",
	"csv.export":           "Export CSV",
}
