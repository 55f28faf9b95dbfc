package i18n

import (
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// englishGroups is the English catalogue of the Groups and Roles screens (keys "groups.…", "roles.…").
var englishGroups = map[string]string{
	"groups.title":            "Groups",
	"groups.new":              "New group",
	"groups.tree_label":       "Group tree",
	"groups.col_group":        "Group",
	"groups.col_direct":       "Direct members",
	"groups.col_subtree":      "With subgroups",
	"groups.col_actions":      "Actions",
	"groups.root_tag":         "Whole account",
	"groups.in_path":          "in %s",
	"groups.menu":             "Actions",
	"groups.menu_for":         "Actions for %s",
	"groups.add_sub":          "Add subgroup",
	"groups.rename":           "Rename",
	"groups.move":             "Move",
	"groups.delete":           "Delete",
	"groups.empty_title":      "No subgroups yet",
	"groups.empty_text":       "Create groups such as Finance or Sales, then nest teams inside them. People can belong to several groups, with different roles in each.",
	"groups.back":             "Back to groups",
	"groups.create_title":     "New group",
	"groups.rename_title":     "Rename “%s”",
	"groups.move_title":       "Move “%s”",
	"groups.delete_title":     "Delete “%s”",
	"groups.field_name":       "Name",
	"groups.name_hint":        "Up to 100 characters. Groups inside the same group need different names.",
	"groups.field_parent":     "Inside",
	"groups.parent_hint":      "The group the new one goes inside. The top group is the whole account.",
	"groups.field_new_parent": "Move into",
	"groups.current":          "%s (where it is now)",
	"groups.move_keep":        "People keep their memberships and roles.",
	"groups.create_submit":    "Create group",
	"groups.rename_submit":    "Rename",
	"groups.move_submit":      "Move group",
	"groups.delete_submit":    "Delete group",
	"groups.cancel":           "Cancel",
	"groups.close":            "Close",
	"groups.delete_confirm":   "“%s” (%s) has no members, subgroups or open invitations. Deleting it cannot be undone.",
	"groups.delete_blocked":   "“%s” can’t be deleted yet:",
	"groups.see_members":      "See them",
	"groups.see_invitations":  "See the invitations",

	"groups.name_required":    "Enter a name.",
	"groups.name_too_long":    "Use at most 100 characters.",
	"groups.name_invalid":     "Names can’t contain control characters such as tabs or line breaks.",
	"groups.name_unchanged":   "That is already its name. Type the new name.",
	"groups.name_taken":       "%s already has a subgroup named “%s”. Groups inside the same group need different names (capital letters don’t count): choose another name.",
	"groups.name_taken_there": "%s already has a subgroup named “%s”. Rename one of the two first, then move.",
	"groups.move_into_itself": "“%s” can’t move into itself or into one of its own subgroups (%s is inside it): that would make a loop. Pick a group outside it.",
	"groups.move_same_parent": "“%s” is already in %s. Pick another group.",
	"groups.parent_required":  "Pick a group.",
	"groups.delete_in_use":    "This group still has members, subgroups or open invitations.",
	"groups.root_fixed":       "The top group is the account itself: it can be renamed, but not moved or deleted.",

	"groups.done_created":       "Created “%s” in %s.",
	"groups.done_renamed":       "Renamed to “%s”.",
	"groups.done_moved":         "Moved “%s” into %s.",
	"groups.done_deleted":       "Deleted “%s”.",
	"groups.done_deleted_plain": "The group was deleted.",

	"roles.title":                "Roles",
	"roles.subtitle":             "People hold roles in a group. Administrator on the top group manages the whole account; on a subgroup, only that subgroup and the ones inside it.",
	"roles.new":                  "New role",
	"roles.table_label":          "Role catalogue",
	"roles.col_role":             "Role",
	"roles.col_kind":             "Type",
	"roles.col_holders":          "Holders",
	"roles.builtin":              "Built-in",
	"roles.custom":               "Custom",
	"roles.no_description":       "No description",
	"roles.note":                 "Holders are the people who hold the role in at least one group. Built-in roles come with every account and can’t be changed.",
	"roles.create_title":         "New role",
	"roles.back":                 "Back to roles",
	"roles.field_name":           "Name",
	"roles.field_description":    "Description",
	"roles.description_hint":     "One line saying what people with this role do. Up to 300 characters.",
	"roles.create_submit":        "Create role",
	"roles.name_taken":           "There is already a role named “%s”. Choose another name.",
	"roles.description_too_long": "Use at most 300 characters.",
	"roles.done_created":         "Created the role “%s”.",
}

// englishGroupsPlurals are the Groups and Roles messages whose form
// depends on their first number: {one, other}.
var englishGroupsPlurals = map[string][2]string{
	"groups.subtitle":            {"%d group in %s. Each count opens the people it counts.", "%d groups in %s. Each count opens the people it counts."},
	"groups.direct_label":        {"%d person directly in %s", "%d people directly in %s"},
	"groups.subtree_label":       {"%d person in %s or its subgroups", "%d people in %s or its subgroups"},
	"groups.move_with":           {"Its %d subgroup moves with it.", "Its %d subgroups move with it."},
	"groups.blocked_members":     {"It has %d member. Remove them from the group first.", "It has %d members. Remove them from the group first."},
	"groups.blocked_subgroups":   {"It has %d subgroup. Move or delete it first.", "It has %d subgroups. Move or delete them first."},
	"groups.blocked_invitations": {"%d open invitation or join request would add people to it. Revoke or remove it first.", "%d open invitations or join requests would add people to it. Revoke or remove them first."},
	"roles.holders_label":        {"%d person holds %s", "%d people hold %s"},
}

// The screens' messages join the catalogue here, after i18n.go's init has
// built it (files initialise in name order). Setting a key twice is
// harmless, should catalogues() come to list these maps too.
func init() {
	for key, msg := range englishGroups {
		if err := cat.SetString(language.English, key, msg); err != nil {
			panic(err)
		}
	}
	for key, forms := range englishGroupsPlurals {
		if err := cat.Set(language.English, key, plural.Selectf(1, "%d", "one", forms[0], "other", forms[1])); err != nil {
			panic(err)
		}
	}
}
