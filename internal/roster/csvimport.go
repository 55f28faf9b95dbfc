package roster

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// CSV import limits.
const (
	MaxImportBytes = 20 << 20 // the largest file an upload takes
	MaxImportRows  = 200_000  // rows below the header
	ImportBatch    = 500      // invitations per transaction when importing
)

// Outcomes of a row of a CSV import's dry run.
const (
	ImportInvite = "invite"
	ImportSkip   = "skip"
	ImportError  = "error"
)

// Which rows of an import to list.
const (
	ImportRowsAll        = "all"         // every row, by line
	ImportRowsProblems   = "problems"    // rows skipped or wrong in the dry run
	ImportRowsNotInvited = "not_invited" // those, and rows the import did not invite after all
)

// Import statuses.
const (
	ImportDryRun  = "dry_run" // parsed and checked, waiting for the confirm
	ImportQueued  = "queued"  // confirmed, the job has not started
	ImportRunning = "running"
	ImportDone    = "done"
)

// ImportRow is one line of an uploaded CSV and what will happen to it.
type ImportRow struct {
	Line     int    // the file's line number where the row starts (the header is 1)
	Email    string // the address as parsed (domain lower-cased), or the cell as given
	Name     string
	Groups   string // the cells as given
	Roles    string
	GroupIDs []int64
	RoleIDs  []int64
	// Locale is the language of the row's invitation: the language column
	// as given until checked, then a supported locale tag ("" for the
	// import's own).
	Locale  string
	Outcome string // ImportInvite, ImportSkip, ImportError
	Reason  string // message key saying why a row is skipped or wrong
	Detail  string // the reason's argument: a line number, a group path, a role name
	// Result is what the import did to the row once confirmed: an invite
	// outcome (OutcomeInvited, OutcomeAlreadyInvited...) or
	// ImportError; "" before.
	Result       string
	ResultReason string
}

// Import is an uploaded CSV: its dry run, and once confirmed its progress.
type Import struct {
	ID        int64
	AccountID int64
	ActorID   int64
	FileName  string
	CreatedAt time.Time
	Status    string
	Ignored   []string // header columns that are not read
	// The dry run.
	Total, ToInvite, Skipped, Errors int
	// The import: rows of ToInvite processed, invited, and not invited
	// after all (someone invited them meanwhile, a group went away...).
	Done, Invited, Failed int
	FinishedAt            *time.Time
}

// Finished reports whether the import has run to its end.
func (im Import) Finished() bool { return im.Status == ImportDone }

// Percent is the share of the rows to invite already processed.
func (im Import) Percent() int {
	if im.ToInvite == 0 {
		return 100
	}
	return im.Done * 100 / im.ToInvite
}

// ImportFileError is why a whole file cannot be read; Key is a message
// key and Args its arguments.
type ImportFileError struct {
	Key  string
	Args []any
}

func (e *ImportFileError) Error() string { return e.Key }

// ImportCatalogue resolves the groups and roles a CSV names. Keys are
// ImportKey forms of group paths and role names.
type ImportCatalogue struct {
	Groups map[string]int64
	Roles  map[string]int64
	// NeedGroup refuses rows naming no group (a group administrator's
	// import: an invitation to no group would belong to the whole account).
	NeedGroup bool
	// Headers are more header names (ImportKey forms) of the columns, such
	// as their names in other languages: "e-mail adresse" -> "email".
	Headers map[string]string
	// Locale reads a language cell ("fr-FR", "de", "Deutsch
	// (Deutschland)") as a supported locale tag; nil reads none.
	Locale func(string) (string, bool)
}

// ImportKey is the form names are compared in: lower case, spaces
// squeezed, path parts joined with ">" without spaces.
func ImportKey(s string) string {
	s = strings.ReplaceAll(s, "›", ">")
	parts := strings.Split(s, ">")
	for i, p := range parts {
		parts[i] = strings.ToLower(strings.Join(strings.Fields(p), " "))
	}
	return strings.Join(parts, ">")
}

// NewImportCatalogue indexes an account's tree and role catalogue: groups
// by their path of names below the root ("Finance > Payables"), also with
// the root's name in front, and the root by its own name; roles by each
// of the names given for them.
func NewImportCatalogue(tree *GroupTree, roleNames map[int64][]string) ImportCatalogue {
	c := ImportCatalogue{Groups: map[string]int64{}, Roles: map[string]int64{}}
	if tree != nil {
		root := tree.Root()
		for _, g := range tree.Groups {
			if g.ParentID == nil {
				continue
			}
			if k := ImportKey(strings.Join(tree.PathNames(g.ID), ">")); c.Groups[k] == 0 {
				c.Groups[k] = g.ID
			}
		}
		if root.ID != 0 {
			if k := ImportKey(root.Name); c.Groups[k] == 0 {
				c.Groups[k] = root.ID
			}
			for _, g := range tree.Groups {
				if g.ParentID == nil {
					continue
				}
				if k := ImportKey(root.Name + ">" + strings.Join(tree.PathNames(g.ID), ">")); c.Groups[k] == 0 {
					c.Groups[k] = g.ID
				}
			}
		}
	}
	for id, names := range roleNames {
		for _, n := range names {
			if k := ImportKey(n); k != "" && c.Roles[k] == 0 {
				c.Roles[k] = id
			}
		}
	}
	return c
}

// importColumns are the columns a CSV import reads, by the header names
// accepted for them (compared as ImportKey).
var importColumns = map[string]string{
	"email": "email", "e-mail": "email", "email address": "email", "e-mail address": "email",
	"name": "name", "full name": "name",
	"groups": "groups", "group": "groups",
	"roles": "roles", "role": "roles",
	"language": "language", "locale": "language", "lang": "language",
}

// ParseImportCSV reads an uploaded CSV (UTF-8, with or without a byte
// order mark; a header row naming at least an email column) and decides
// for every row what the import would do, as far as the file alone says:
// invalid addresses, unknown groups and roles, and repeated addresses.
// Whether an address is already a member or invited is for the store to
// add. It also returns the header columns it ignores (without an email
// column: the whole header). A file that cannot be read at all gives an
// *ImportFileError.
func ParseImportCSV(data []byte, cat ImportCatalogue) ([]ImportRow, []string, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, nil, &ImportFileError{Key: "csv.error_encoding", Args: []any{firstBadLine(data)}}
	}
	if bytes.IndexByte(data, 0) >= 0 {
		// UTF-16 without a byte order mark is valid UTF-8 full of NULs.
		return nil, nil, &ImportFileError{Key: "csv.error_encoding", Args: []any{1 + bytes.Count(data[:bytes.IndexByte(data, 0)], []byte("\n"))}}
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	header, err := r.Read()
	if err == io.EOF {
		return nil, nil, &ImportFileError{Key: "csv.error_empty"}
	}
	if err != nil {
		return nil, nil, &ImportFileError{Key: "csv.error_header"}
	}
	col := map[string]int{}
	var ignored, seen []string
	for i, h := range header {
		h = strings.TrimSpace(h)
		name, ok := importColumns[ImportKey(h)]
		if !ok {
			name, ok = cat.Headers[ImportKey(h)]
		}
		if !ok || col[name] != 0 || (name == "email" && hasColumn(seen, "email")) {
			if h != "" {
				ignored = append(ignored, h)
			}
			continue
		}
		col[name] = i + 1 // 0 means absent
		seen = append(seen, name)
	}
	if col["email"] == 0 {
		// Say what the first line holds instead.
		var found []string
		for _, h := range header {
			if h = strings.TrimSpace(h); h != "" && len(found) < 20 {
				found = append(found, clipRunes(h, 60))
			}
		}
		return nil, found, &ImportFileError{Key: "csv.error_no_email_column"}
	}
	width := len(header)
	cell := func(rec []string, name string) string {
		if i := col[name]; i > 0 && i <= len(rec) {
			return strings.TrimSpace(rec[i-1])
		}
		return ""
	}
	var rows []ImportRow
	firstAt := map[string]int{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, ignored, &ImportFileError{Key: "csv.error_header"}
			}
			rows = append(rows, ImportRow{Line: pe.StartLine, Outcome: ImportError, Reason: "csv.reason_quotes"})
		} else {
			line, _ := r.FieldPos(0)
			row := ImportRow{Line: line, Email: cell(rec, "email"), Name: cell(rec, "name"), Groups: cell(rec, "groups"), Roles: cell(rec, "roles"), Locale: cell(rec, "language")}
			if blank(rec) {
				continue // a line of only commas
			}
			checkImportRow(&row, len(rec) > width, cat, firstAt)
			rows = append(rows, row)
		}
		if len(rows) > MaxImportRows {
			return nil, ignored, &ImportFileError{Key: "csv.error_too_many_rows", Args: []any{MaxImportRows}}
		}
	}
	if len(rows) == 0 {
		return nil, ignored, &ImportFileError{Key: "csv.error_no_rows"}
	}
	return rows, ignored, nil
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

func hasColumn(cols []string, name string) bool {
	for _, c := range cols {
		if c == name {
			return true
		}
	}
	return false
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// checkImportRow decides a row's outcome from the file alone.
func checkImportRow(row *ImportRow, tooWide bool, cat ImportCatalogue, firstAt map[string]int) {
	fail := func(reason, detail string) {
		if row.Outcome == "" {
			row.Outcome, row.Reason, row.Detail = ImportError, reason, detail
		}
	}
	if tooWide {
		fail("csv.reason_too_many_columns", "")
	}
	if utf8.RuneCountInString(row.Name) > 200 {
		row.Name = string([]rune(row.Name)[:200])
	}
	addressOK := false
	if row.Email == "" {
		fail("csv.reason_empty_email", "")
	} else {
		// The column holds one address: "Doe, Jane <jane@x.com>" is one,
		// even with the comma unquoted.
		cellName, addr := splitNamed(row.Email)
		good, bad := ParseAddressList(addr)
		switch {
		case len(bad) > 0:
			fail(bad[0].Reason, "")
		case len(good) != 1:
			fail("csv.reason_one_address", "")
		default:
			addressOK = true
			row.Email = good[0].Email
			if row.Name == "" {
				row.Name = cmpOr(cellName, good[0].Name)
			}
		}
	}
	if row.Locale != "" {
		if tag, ok := readLocale(cat, row.Locale); ok {
			row.Locale = tag
		} else {
			fail("lang.csv_reason", row.Locale)
			row.Locale = ""
		}
	}
	for _, p := range splitList(row.Groups) {
		id, ok := cat.Groups[ImportKey(p)]
		if !ok {
			fail("csv.reason_unknown_group", p)
			continue
		}
		row.GroupIDs = appendNew(row.GroupIDs, id)
	}
	for _, n := range splitList(row.Roles) {
		id, ok := cat.Roles[ImportKey(n)]
		if !ok {
			fail("csv.reason_unknown_role", n)
			continue
		}
		row.RoleIDs = appendNew(row.RoleIDs, id)
	}
	if len(row.RoleIDs) > 0 && len(row.GroupIDs) == 0 {
		fail("csv.reason_roles_need_group", "")
	}
	if cat.NeedGroup && len(row.GroupIDs) == 0 {
		fail("csv.reason_group_needed", "")
	}
	if row.Outcome != "" {
		return
	}
	// An address is decided at its first good row; later ones repeat it.
	if addressOK {
		key := strings.ToLower(row.Email)
		if first, ok := firstAt[key]; ok {
			row.Outcome, row.Reason, row.Detail = ImportSkip, "csv.reason_duplicate", strconv.Itoa(first)
			return
		}
		firstAt[key] = row.Line
	}
	row.Outcome = ImportInvite
}

// splitNamed cuts "Name <addr>" into its name and address; anything else
// is all address.
func splitNamed(cell string) (name, addr string) {
	i := strings.LastIndexByte(cell, '<')
	if i < 0 || !strings.HasSuffix(cell, ">") || strings.ContainsAny(cell[:i], "<>") || strings.ContainsAny(cell[i+1:len(cell)-1], "<>") {
		return "", cell
	}
	name = strings.Trim(strings.TrimSpace(cell[:i]), `"'`)
	if utf8.RuneCountInString(name) > 200 {
		name = string([]rune(name)[:200])
	}
	return strings.TrimSpace(name), strings.TrimSpace(cell[i+1 : len(cell)-1])
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// splitList cuts a cell of groups or roles at semicolons and line breaks
// (not at commas: a group or role name may hold one).
func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '\n' || r == '\r' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func appendNew(ids []int64, id int64) []int64 {
	for _, x := range ids {
		if x == id {
			return ids
		}
	}
	return append(ids, id)
}

// firstBadLine is the line number of the first byte that is not UTF-8.
func firstBadLine(data []byte) int {
	line := 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		i += size
	}
	return line
}

func readLocale(cat ImportCatalogue, s string) (string, bool) {
	if cat.Locale == nil {
		return "", false
	}
	return cat.Locale(s)
}
