package roster

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// AuditEvent is one entry of the account's audit trail: who did what to
// whom and when. Who and whom are read as they are now; a person removed
// since keeps their id with Exists false.
type AuditEvent struct {
	ID     int64
	At     time.Time
	Action string
	Actor  AuditPerson // ID 0: nobody signed in (the system, or an invitee)
	Target AuditPerson // ID 0: the event is not about one person
	// The invitation or invite link the event is about, if any.
	InvitationID    int64
	InvitationKind  string
	InvitationEmail string
	InvitationLabel string
	InvitedByName   string // who made that invitation
	// The group the event is about, if any.
	GroupID   int64
	GroupName string
	// Detail is what else the event recorded (email, label, old and new
	// values...), as stored.
	Detail map[string]any
}

// AuditPerson is the actor or target of an audit event.
type AuditPerson struct {
	ID     int64
	Name   string
	Email  string
	Exists bool // still a person of the account
}

// DetailString returns the detail value key when it is a string.
func (e AuditEvent) DetailString(key string) string {
	s, _ := e.Detail[key].(string)
	return s
}

// DetailInt returns the detail value key when it is a whole number.
func (e AuditEvent) DetailInt(key string) (int64, bool) {
	switch v := e.Detail[key].(type) {
	case float64:
		if v == float64(int64(v)) {
			return int64(v), true
		}
	case int64:
		return v, true
	case int:
		return int64(v), true
	}
	return 0, false
}

// DetailInts returns the detail value key when it is a list of whole numbers.
func (e AuditEvent) DetailInts(key string) []int64 {
	list, _ := e.Detail[key].([]any)
	var out []int64
	for _, v := range list {
		if f, ok := v.(float64); ok && f == float64(int64(f)) {
			out = append(out, int64(f))
		}
	}
	return out
}

// SettingChange is one changed setting of a settings_changed event.
type SettingChange struct {
	Setting  string
	Old, New any
}

// AuditLocaleChanged is the action of a person choosing their language
// (detail: old and new locale).
const AuditLocaleChanged = "locale_changed"

// Setting names as recorded in settings_changed events.
const (
	SettingInviteValidityDays = "invite_validity_days"
	SettingRemindersEnabled   = "reminders_enabled"
	SettingExpiringSoonDays   = "expiring_soon_days"
	SettingLinkValidityHours  = "link_validity_hours"
	SettingLinkMaxUses        = "link_max_uses"
	SettingInvitesPerDay      = "invites_per_admin_per_day"
	SettingDefaultLocale      = "default_locale"
)

// SettingChanges returns the changes of a settings_changed event, in the
// order they were recorded.
func (e AuditEvent) SettingChanges() []SettingChange {
	list, _ := e.Detail["changes"].([]any)
	var out []SettingChange
	for _, v := range list {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		name, _ := m["setting"].(string)
		if name == "" {
			continue
		}
		out = append(out, SettingChange{Setting: name, Old: m["old"], New: m["new"]})
	}
	return out
}

// Changes lists what differs from s to n, in the order of the settings
// screen, with old and new values as recorded in the audit trail.
func (s Settings) Changes(n Settings) []SettingChange {
	var out []SettingChange
	add := func(name string, old, new any) {
		if old != new {
			out = append(out, SettingChange{Setting: name, Old: old, New: new})
		}
	}
	add(SettingInviteValidityDays, s.InviteValidityDays, n.InviteValidityDays)
	add(SettingRemindersEnabled, s.RemindersEnabled, n.RemindersEnabled)
	add(SettingExpiringSoonDays, s.ExpiringSoonDays, n.ExpiringSoonDays)
	add(SettingLinkValidityHours, s.LinkValidityHours, n.LinkValidityHours)
	add(SettingLinkMaxUses, s.LinkMaxUses, n.LinkMaxUses)
	add(SettingInvitesPerDay, s.InvitesPerAdminPerDay, n.InvitesPerAdminPerDay)
	add(SettingDefaultLocale, s.DefaultLocale, n.DefaultLocale)
	return out
}

// Bounds of the account settings (PRODUCT.md "Defaults"); the database
// checks the same.
const (
	MinInviteValidityDays = 1
	MaxInviteValidityDays = 180
	MinExpiringSoonDays   = 1
	MaxExpiringSoonDays   = 30
	MinLinkValidityHours  = 1
	MaxLinkValidityHours  = 180 * 24
	MinLinkMaxUses        = 1
	MaxLinkMaxUses        = 5000
	MinInvitesPerDay      = 1
	MaxInvitesPerDay      = 100_000
	// DefaultInvitesPerDay is the invitations an administrator may make
	// per day unless the account says otherwise.
	DefaultInvitesPerDay = 1000
)

// AuditActionGroup is a heading of the audit log's action picker and the
// actions under it.
type AuditActionGroup struct {
	Key     string
	Actions []string
}

// AuditActionGroups are the actions the product records, by subject. Other
// actions (recorded by newer code) are still shown, by their raw name.
var AuditActionGroups = []AuditActionGroup{
	{"invitations", []string{"invited", "resent", "extended", "revoked", "removed", "link_created", "link_regenerated"}},
	{"joining", []string{"accepted", "joined", "join_requested", "approved", "denied", "asked_new_invitation"}},
	{"people", []string{"deactivated", "reactivated", "removed_person", "group_added", "group_removed", "roles_changed", "role_revoked", "bulk_started", "bulk_finished"}},
	{"groups", []string{"group_created", "group_renamed", "group_moved", "group_deleted"}},
	{"account", []string{"signed_in", "signed_out_everywhere", "account_created", "demo_seeded", "settings_changed", AuditLocaleChanged}},
}

// KnownAuditAction reports whether action is one of AuditActionGroups.
func KnownAuditAction(action string) bool {
	for _, g := range AuditActionGroups {
		for _, a := range g.Actions {
			if a == action {
				return true
			}
		}
	}
	return false
}

// auditActionRE is what an action name looks like; anything else in a URL
// is noted and ignored.
var auditActionRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// DateLayout is how the audit log's date range is written in URLs (as an
// HTML date input sends it).
const DateLayout = "2006-01-02"

// AuditFilter is the audit log's view: filters and page. Dates are whole
// days in UTC, both ends included.
type AuditFilter struct {
	ActorID int64
	Action  string
	Target  string // the email of the person the events are about
	From    time.Time
	To      time.Time
	After   string
	Before  string
	Limit   int
}

// ParseAuditFilter reads an audit log view from URL values. Values it
// cannot use are dropped and named in notes, as ParseUserFilter does.
func ParseAuditFilter(v url.Values) (f AuditFilter, notes []string) {
	f.ActorID = parseID(v, "actor", &notes)
	if a := strings.TrimSpace(v.Get("action")); a != "" {
		if auditActionRE.MatchString(a) {
			f.Action = a
		} else {
			notes = append(notes, "action")
		}
	}
	if t := cleanQuery(v.Get("target")); t != "" {
		if len(t) <= 254 {
			f.Target = t
		} else {
			notes = append(notes, "target")
		}
	}
	f.From = parseDate(v, "from", &notes)
	f.To = parseDate(v, "to", &notes)
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		f.To = time.Time{}
		notes = append(notes, "to")
	}
	f.After = cursorParam(v, "after", &notes)
	if f.After == "" {
		f.Before = cursorParam(v, "before", &notes)
	}
	f.Limit = PageSize
	return f, notes
}

func parseDate(v url.Values, key string, notes *[]string) time.Time {
	s := strings.TrimSpace(v.Get(key))
	if s == "" {
		return time.Time{}
	}
	d, err := time.Parse(DateLayout, s)
	if err != nil || d.Year() < 1970 || d.Year() > 9000 {
		*notes = append(*notes, key)
		return time.Time{}
	}
	return d
}

// Values encodes the view into URL values, omitting what is not set.
func (f AuditFilter) Values() url.Values {
	v := url.Values{}
	if f.ActorID != 0 {
		v.Set("actor", strconv.FormatInt(f.ActorID, 10))
	}
	if f.Action != "" {
		v.Set("action", f.Action)
	}
	if f.Target != "" {
		v.Set("target", f.Target)
	}
	if !f.From.IsZero() {
		v.Set("from", f.From.Format(DateLayout))
	}
	if !f.To.IsZero() {
		v.Set("to", f.To.Format(DateLayout))
	}
	if f.After != "" {
		v.Set("after", f.After)
	} else if f.Before != "" {
		v.Set("before", f.Before)
	}
	return v
}

// FirstPage returns the same view without a page cursor.
func (f AuditFilter) FirstPage() AuditFilter {
	f.After, f.Before = "", ""
	return f
}

// IsFiltered reports whether any filter narrows the log.
func (f AuditFilter) IsFiltered() bool {
	return f.ActorID != 0 || f.Action != "" || f.Target != "" || !f.From.IsZero() || !f.To.IsZero()
}

// Until is the first instant after the range (zero: no upper bound): the
// To day is included whole.
func (f AuditFilter) Until() time.Time {
	if f.To.IsZero() {
		return time.Time{}
	}
	return f.To.AddDate(0, 0, 1)
}

// AuditPage is one page of the audit log, newest first.
type AuditPage struct {
	Events []AuditEvent
	// Total counts the filtered events, up to CountLimit.
	Total       int64
	TotalCapped bool
	Next        string
	Prev        string
	// TargetUnknown is set when the target email is nobody's in the
	// account (nor anyone's removed from it).
	TargetUnknown bool
}
