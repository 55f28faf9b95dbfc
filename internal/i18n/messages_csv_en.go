package i18n

// englishCSV is the English catalogue of CSV import and export (keys "csv.…").
var englishCSV = map[string]string{}
