package server

import (
	"context"
	"slices"
	"time"

	"github.com/roster-hub/roster/internal/roster"
)

// A group administrator (Administrator held on a subgroup) sees and manages
// only the subtrees of the groups they administer: people with a membership
// there, invitations and join requests whose every group lies there, and
// those groups. Everything out of reach answers as if it did not exist
// (404), the way another account's ids do. Lists and counts are held to
// the scope by the filters' Scope; the checks below guard each id a
// request names.

// trees returns the account's whole group tree (for naming any group) and
// the part of it the actor manages (for pickers and checks).
func (s *Server) trees(ctx context.Context) (all, managed *roster.GroupTree, err error) {
	a, acc := actorFrom(ctx)
	if all, _, err = s.Groups.Catalogue(ctx, acc.ID, acc.CatalogueVersion); err != nil {
		return nil, nil, err
	}
	return all, all.Within(a.Scope()), nil
}

// roles is the account's role catalogue.
func (s *Server) roles(ctx context.Context) ([]roster.Role, error) {
	_, acc := actorFrom(ctx)
	_, roles, err := s.Groups.Catalogue(ctx, acc.ID, acc.CatalogueVersion)
	return roles, err
}

// managedTree is the part of the group tree the actor manages.
func (s *Server) managedTree(ctx context.Context) (*roster.GroupTree, error) {
	_, t, err := s.trees(ctx)
	return t, err
}

// checkPeople answers ENOTFOUND unless the actor reaches every one of ids;
// with whole, EFORBIDDEN unless every membership of each lies in their
// scope (status changes and removal reach beyond a single group).
func (s *Server) checkPeople(ctx context.Context, ids []int64, whole bool) error {
	a, acc := actorFrom(ctx)
	if a.Scope() == nil {
		return nil
	}
	in, err := s.Users.PeopleInScope(ctx, acc.ID, a.Scope(), ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		w, ok := in[id]
		if !ok {
			return errNotFound
		}
		if whole && !w {
			return roster.Errorf(roster.EFORBIDDEN, "scope.person_elsewhere")
		}
	}
	return nil
}

// checkGroups answers ENOTFOUND unless every one of ids is a group the
// actor manages.
func checkGroups(managed *roster.GroupTree, ids ...int64) error {
	for _, id := range ids {
		if _, ok := managed.Get(id); !ok {
			return errNotFound
		}
	}
	return nil
}

// reaches reports whether an invitation or join request carrying groupIDs
// is the actor's to see: every group managed, and at least one for a
// group administrator (an invitation to no group belongs to the account).
func reaches(a *roster.Actor, managed *roster.GroupTree, groupIDs []int64) bool {
	if a.Scope() == nil {
		return true
	}
	return len(groupIDs) > 0 && checkGroups(managed, groupIDs...) == nil
}

// checkInvitations answers ENOTFOUND unless every one of ids is an
// invitation the actor reaches.
func (s *Server) checkInvitations(ctx context.Context, ids []int64) error {
	a, acc := actorFrom(ctx)
	if a.Scope() == nil || len(ids) == 0 {
		return nil
	}
	in, err := s.Invitations.InvitationsInScope(ctx, acc.ID, a.Scope(), ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !slices.Contains(in, id) {
			return errNotFound
		}
	}
	return nil
}

// expiredInReach lists the expired invitations a group administrator
// reaches (at most 5,000 at a time; the rest go on the next click).
func (s *Server) expiredInReach(ctx context.Context) ([]int64, error) {
	_, acc := actorFrom(ctx)
	f := roster.InvitationFilter{Status: roster.InviteExpired, Limit: 500}
	soon := time.Duration(acc.Settings.ExpiringSoonDays) * 24 * time.Hour
	var ids []int64
	for len(ids) < 5000 {
		var p roster.InvitationPage
		var err error
		if f, p, _, err = s.findInvitations(ctx, acc.ID, f, s.Now(), soon); err != nil {
			return nil, err
		}
		for _, inv := range p.Invitations {
			if inv.JoinRequestID == 0 {
				ids = append(ids, inv.ID)
			}
		}
		if p.Next == "" {
			break
		}
		f.After = p.Next
	}
	return ids, nil
}

// checkManagedGroups answers ENOTFOUND unless the actor manages every one
// of ids.
func (s *Server) checkManagedGroups(ctx context.Context, ids ...int64) error {
	managed, err := s.managedTree(ctx)
	if err != nil {
		return err
	}
	return checkGroups(managed, ids...)
}

// checkPerson answers ENOTFOUND unless the actor reaches the person and
// manages the group (a change to one membership).
func (s *Server) checkPerson(ctx context.Context, userID, groupID int64) error {
	if err := s.checkPeople(ctx, []int64{userID}, false); err != nil {
		return err
	}
	return s.checkManagedGroups(ctx, groupID)
}
