package roster

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// testCatalogue is a small account: Acme > Finance > Payables, Acme >
// Operations, Acme > "Sales, EMEA"; roles Administrator (built in, also
// "Administrateur") and Buyer.
func testCatalogue() ImportCatalogue {
	p := func(id int64) *int64 { return &id }
	tree := NewGroupTree(SortDepthFirst([]Group{
		{ID: 1, Name: "Acme", Path: []int64{1}},
		{ID: 2, ParentID: p(1), Name: "Finance", Path: []int64{1, 2}},
		{ID: 3, ParentID: p(2), Name: "Payables", Path: []int64{1, 2, 3}},
		{ID: 4, ParentID: p(1), Name: "Operations", Path: []int64{1, 4}},
		{ID: 5, ParentID: p(1), Name: "Sales, EMEA", Path: []int64{1, 5}},
	}))
	return NewImportCatalogue(tree, map[int64][]string{
		10: {"Administrator", "Administrateur", "administrator"},
		11: {"Buyer"},
	})
}

// want is a row's expected line, outcome, reason and detail.
type want struct {
	line            int
	outcome, reason string
	detail          string
}

func (w want) String() string {
	return fmt.Sprintf("%d:%s:%s:%s", w.line, w.outcome, w.reason, w.detail)
}

func TestParseImportCSV(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		rows    []want
		ignored []string
		fileErr string // message key of a refused file
		errArgs []any
	}{
		{name: "plain", in: "email,name,groups,roles\na@x.com,Ann,Finance > Payables,Administrator\nb@x.com,,,\n",
			rows: []want{{2, ImportInvite, "", ""}, {3, ImportInvite, "", ""}}},
		{name: "BOM, CRLF, column order and case", in: "\ufeffRoles,EMAIL,Name\r\nBuyer,a@x.com,Ann\r\n,b@x.com,Bob\r\n",
			rows: []want{{2, ImportError, "csv.reason_roles_need_group", ""}, {3, ImportInvite, "", ""}}},
		{name: "empty lines keep line numbers", in: "email\n\na@x.com\n\n\nb@x.com\n,\n",
			rows: []want{{3, ImportInvite, "", ""}, {6, ImportInvite, "", ""}}},
		{name: "quoted fields with commas and new lines", in: "email,name,groups\n\"a@x.com\",\"Doe, Ann\",\"Sales, EMEA\"\nb@x.com,\"Two\nLines\",Operations\nc@x.com,,\"Finance;\nOperations\"\nd@x.com\n",
			rows: []want{{2, ImportInvite, "", ""}, {3, ImportInvite, "", ""}, {5, ImportInvite, "", ""}, {7, ImportInvite, "", ""}}},
		{name: "unknown columns ignored", in: "Email,Department,name,Manager\na@x.com,IT,Ann,Bob\n",
			rows: []want{{2, ImportInvite, "", ""}}, ignored: []string{"Department", "Manager"}},
		{name: "group paths", in: "email,groups\n" +
			"a@x.com,finance>payables\n" + // case, spaces
			"b@x.com,Acme > Finance › Payables\n" + // root in front, the UI's separator
			"c@x.com,Acme\n" + // the root itself
			"d@x.com,Payables\n" + // not a path from the top
			"e@x.com,Finance > Nope; Operations\n",
			rows: []want{{2, ImportInvite, "", ""}, {3, ImportInvite, "", ""}, {4, ImportInvite, "", ""},
				{5, ImportError, "csv.reason_unknown_group", "Payables"}, {6, ImportError, "csv.reason_unknown_group", "Finance > Nope"}}},
		{name: "roles by name, any language given, any case", in: "email,groups,roles\na@x.com,Finance,administrateur; BUYER\nb@x.com,Finance,Boss\n",
			rows: []want{{2, ImportInvite, "", ""}, {3, ImportError, "csv.reason_unknown_role", "Boss"}}},
		{name: "addresses", in: "email\nnope\n\"Ann <ann@x.com>\"\n\"a@, b@x.com\"\n   \n\"a@x.com, b@x.com\"\nx@@y.com\n",
			rows: []want{{2, ImportError, "address.no_at", ""}, {3, ImportInvite, "", ""}, {4, ImportError, "address.no_domain", ""},
				{6, ImportError, "csv.reason_one_address", ""}, {7, ImportError, "address.two_at", ""}}},
		{name: "a name with a comma before the address", in: "email\n\"Doe, Jane <jane@x.com>\"\n\"<bob@x.com>\"\n\"Al <al@x.com> <b@x.com>\"\n",
			rows: []want{{2, ImportInvite, "", ""}, {3, ImportInvite, "", ""}, {4, ImportError, "csv.reason_one_address", ""}}},
		{name: "empty email with other cells", in: "email,name\n,Ann\n",
			rows: []want{{2, ImportError, "csv.reason_empty_email", ""}}},
		{name: "duplicates, case-insensitive, after an error", in: "email,groups\nA@x.com,Nope\na@x.com,\nA@X.COM,\nb@x.com\nb@x.com,Nope\n",
			rows: []want{{2, ImportError, "csv.reason_unknown_group", "Nope"}, {3, ImportInvite, "", ""}, {4, ImportSkip, "csv.reason_duplicate", "3"},
				{5, ImportInvite, "", ""}, {6, ImportError, "csv.reason_unknown_group", "Nope"}}},
		{name: "too many columns", in: "email,name\na@x.com,Ann,extra\nb@x.com,Bob\nc@x.com\n",
			rows: []want{{2, ImportError, "csv.reason_too_many_columns", ""}, {3, ImportInvite, "", ""}, {4, ImportInvite, "", ""}}},
		{name: "bad quotes are a row's error", in: "email,name\na@x.com,An\"n\nb@x.com,Bob\n",
			rows: []want{{2, ImportError, "csv.reason_quotes", ""}, {3, ImportInvite, "", ""}}},
		{name: "latin-1", in: "email,name\na@x.com,Ann\nb@x.com,Jos\xe9\n", fileErr: "csv.error_encoding", errArgs: []any{3}},
		{name: "UTF-16", in: "\xff\xfee\x00m\x00", fileErr: "csv.error_encoding", errArgs: []any{1}},
		{name: "UTF-16 without BOM", in: "e\x00m\x00a\x00i\x00l\x00\n\x00", fileErr: "csv.error_encoding", errArgs: []any{1}},
		{name: "no email column", in: "name,groups\nAnn,Finance\n", fileErr: "csv.error_no_email_column", ignored: []string{"name", "groups"}},
		{name: "no header", in: "a@x.com,Ann\n", fileErr: "csv.error_no_email_column", ignored: []string{"a@x.com", "Ann"}},
		{name: "empty", in: "", fileErr: "csv.error_empty"},
		{name: "BOM only", in: "\ufeff\r\n\r\n", fileErr: "csv.error_empty"},
		{name: "header only", in: "email,name\r\n", fileErr: "csv.error_no_rows"},
	}
	cat := testCatalogue()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rows, ignored, err := ParseImportCSV([]byte(tt.in), cat)
			if tt.fileErr != "" {
				fe, ok := errors.AsType[*ImportFileError](err)
				if !ok || fe.Key != tt.fileErr || !slices.Equal(fe.Args, tt.errArgs) {
					t.Fatalf("error %v, want %s %v", err, tt.fileErr, tt.errArgs)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ignored, tt.ignored) {
				t.Errorf("ignored %q, want %q", ignored, tt.ignored)
			}
			var got []want
			for _, r := range rows {
				got = append(got, want{r.Line, r.Outcome, r.Reason, r.Detail})
			}
			if !slices.Equal(got, tt.rows) {
				t.Errorf("rows\n got %v\nwant %v", got, tt.rows)
			}
		})
	}
}

// What a good row carries: the address as parsed, the name (from the
// column, else from the address), and the resolved groups and roles.
func TestParseImportCSVResolves(t *testing.T) {
	t.Parallel()
	rows, _, err := ParseImportCSV([]byte("email,name,groups,roles\n"+
		"Ann@X.COM,Ann Lee,Finance > Payables; Operations; operations,Administrator;Buyer\n"+
		"\"Bob Day <bob@x.com>\",,Sales, EMEA\n"), testCatalogue())
	if err != nil {
		t.Fatal(err)
	}
	a, b := rows[0], rows[1]
	if a.Email != "Ann@x.com" || a.Name != "Ann Lee" || !slices.Equal(a.GroupIDs, []int64{3, 4}) || !slices.Equal(a.RoleIDs, []int64{10, 11}) {
		t.Errorf("row 2 = %+v", a)
	}
	// An unquoted comma cuts "Sales, EMEA" in two cells: groups "Sales", roles "EMEA".
	if b.Email != "bob@x.com" || b.Name != "Bob Day" || b.Outcome != ImportError || b.Reason != "csv.reason_unknown_group" || b.Detail != "Sales" {
		t.Errorf("row 3 = %+v", b)
	}
}

func TestParseImportCSVLimits(t *testing.T) {
	t.Parallel()
	var sb strings.Builder
	sb.WriteString("email\n")
	for i := range MaxImportRows + 1 {
		fmt.Fprintf(&sb, "u%d@x.com\n", i)
	}
	_, _, err := ParseImportCSV([]byte(sb.String()), testCatalogue())
	if fe, ok := errors.AsType[*ImportFileError](err); !ok || fe.Key != "csv.error_too_many_rows" {
		t.Fatalf("%d rows: %v, want csv.error_too_many_rows", MaxImportRows+1, err)
	}
}

// FuzzParseImportCSV: any bytes give either a file error or rows with
// strictly increasing line numbers, each with an outcome, never a panic.
func FuzzParseImportCSV(f *testing.F) {
	f.Add([]byte("email,name,groups,roles\na@x.com,Ann,Finance > Payables,Administrator\n"))
	f.Add([]byte("\ufeffEmail\r\n\"a@x.com\"\r\n\"b\"\"@x.com\"\r\n"))
	f.Add([]byte("email,groups\n\"a@x.com\",\"Sales, EMEA\nOperations\"\n"))
	f.Add([]byte("email\n\xff\n"))
	cat := testCatalogue()
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, _, err := ParseImportCSV(data, cat)
		if err != nil {
			if _, ok := errors.AsType[*ImportFileError](err); !ok {
				t.Fatalf("not a file error: %v", err)
			}
			if rows != nil {
				t.Fatal("rows with a file error")
			}
			return
		}
		if len(rows) == 0 {
			t.Fatal("no rows and no error")
		}
		last := 1
		for _, r := range rows {
			if r.Line <= last {
				t.Fatalf("line %d after %d", r.Line, last)
			}
			last = r.Line
			switch r.Outcome {
			case ImportInvite:
				if r.Reason != "" || !strings.Contains(r.Email, "@") {
					t.Fatalf("invite with reason %q, email %q", r.Reason, r.Email)
				}
			case ImportSkip, ImportError:
				if r.Reason == "" {
					t.Fatalf("line %d: %s without a reason", r.Line, r.Outcome)
				}
			default:
				t.Fatalf("line %d: outcome %q", r.Line, r.Outcome)
			}
		}
	})
}
