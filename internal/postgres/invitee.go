package postgres

import (
	"context"
	"crypto/subtle"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/roster-hub/roster/internal/roster"
)

// linkState is the error for an invitation that can no longer be used:
// ECONFLICT whose message is the state (expired, revoked, accepted, used_up).
func linkState(state string) error { return &roster.Error{Code: roster.ECONFLICT, Message: state} }

// ViewInvitation returns what an invitee's page shows for a token, whatever
// the invitation's state (State says why it no longer works). Opening a
// link never changes anything. ENOTFOUND for an unknown token.
func (s *InvitationStore) ViewInvitation(ctx context.Context, token string, now time.Time) (roster.InviteView, error) {
	var v roster.InviteView
	if !roster.ValidTokenShape(token) {
		return v, roster.Errorf(roster.ENOTFOUND, "invitation not found")
	}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT i.id, i.account_id, i.kind, coalesce(i.email, ''), coalesce(i.label, ''), i.status, i.group_ids, i.role_ids,
		       i.invited_by, coalesce(u.name, ''), coalesce(u.email, ''), i.created_at, i.expires_at, coalesce(i.max_uses, 0), i.use_count,
		       i.allowed_domains, i.approval_required, coalesce(i.message, ''), a.name, coalesce(i.locale, a.default_locale)
		FROM invitations i JOIN accounts a ON a.id = i.account_id
		LEFT JOIN users u ON u.account_id = i.account_id AND u.id = i.invited_by
		WHERE i.token_hash = $1`, roster.TokenHash(token)).Scan(&v.ID, &v.AccountID, &v.Kind, &v.Email, &v.Label, &v.Status, &v.GroupIDs, &v.RoleIDs,
			&v.InvitedByID, &v.InvitedByName, &v.InviterEmail, &v.CreatedAt, &v.ExpiresAt, &v.MaxUses, &v.UseCount,
			&v.AllowedDomains, &v.ApprovalNeeded, &v.Message, &v.AccountName, &v.Locale)
		if err != nil {
			return mapError(err, "invitation")
		}
		v.State = v.Invitation.LinkState(now)
		v.GroupPaths, _, _ = grants(ctx, tx, v.AccountID, existingGroups(ctx, tx, v.AccountID, v.GroupIDs), nil)
		rows, err := tx.Query(ctx, `SELECT id, coalesce(key, ''), name, description FROM roles WHERE account_id = $1 AND id = ANY($2) ORDER BY position, id`, v.AccountID, v.RoleIDs)
		if err != nil {
			return err
		}
		v.RoleNames, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (roster.Role, error) {
			var r roster.Role
			return r, row.Scan(&r.ID, &r.Key, &r.Name, &r.Description)
		})
		if err != nil {
			return err
		}
		if v.Kind == roster.KindEmail {
			err := tx.QueryRow(ctx, `SELECT id FROM users WHERE account_id = $1 AND lower(email) = lower($2)`, v.AccountID, v.Email).Scan(&v.ExistingUserID)
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		return nil
	})
	return v, err
}

// existingGroups keeps the ids that are still groups of the account (a
// group may have been deleted since the invitation was made).
func existingGroups(ctx context.Context, tx pgx.Tx, accountID int64, ids []int64) []int64 {
	rows, err := tx.Query(ctx, `SELECT id FROM groups WHERE account_id = $1 AND id = ANY($2) ORDER BY id`, accountID, ids)
	if err != nil {
		return nil
	}
	out, _ := pgx.CollectRows(rows, pgx.RowTo[int64])
	return out
}

// createUser adds an active person to the account.
func createUser(ctx context.Context, tx pgx.Tx, accountID int64, email, name, passwordHash, locale string, invitedBy *int64, invitationID int64, now time.Time) (roster.User, error) {
	u := roster.User{AccountID: accountID, Email: email, Name: name, Status: roster.StatusActive, CreatedAt: now, Locale: locale, InvitedByID: invitedBy}
	err := tx.QueryRow(ctx, `INSERT INTO users (account_id, email, name, password_hash, locale, created_at, invited_by, invitation_id)
	VALUES ($1, $2, $3, $4, nullif($5, ''), $6, $7, nullif($8, 0)) RETURNING id`,
		accountID, email, name, passwordHash, locale, now, invitedBy, invitationID).Scan(&u.ID)
	if err != nil {
		return u, mapError(err, "a person with this email")
	}
	return u, nil
}

// grantAll gives the person membership of each group and each role in
// each of those groups (as an invitation carries them).
func grantAll(ctx context.Context, tx pgx.Tx, accountID, userID int64, groupIDs, roleIDs []int64, now time.Time) error {
	groupIDs = existingGroups(ctx, tx, accountID, groupIDs)
	if len(groupIDs) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO memberships (account_id, user_id, group_id, created_at)
	SELECT $1, $2, g, $4 FROM unnest($3::bigint[]) g ON CONFLICT DO NOTHING`, accountID, userID, groupIDs, now); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO role_assignments (account_id, user_id, group_id, role_id, created_at)
	SELECT $1, $2, g, r.id, $5 FROM unnest($3::bigint[]) g CROSS JOIN roles r
	WHERE r.account_id = $1 AND r.id = ANY($4) ON CONFLICT DO NOTHING`, accountID, userID, groupIDs, roleIDs, now)
	return err
}

type inviterInfo struct {
	id                  *int64
	name, email, locale string
	active              bool
	accountName         string
	accountLocale       string
}

func loadInviter(ctx context.Context, tx pgx.Tx, accountID int64, inviter *int64) (inviterInfo, error) {
	in := inviterInfo{id: inviter}
	err := tx.QueryRow(ctx, `SELECT a.name, a.default_locale, coalesce(u.name, ''), coalesce(u.email, ''), coalesce(u.locale, ''), coalesce(u.status = 'active', false)
	FROM accounts a LEFT JOIN users u ON u.account_id = a.id AND u.id = $2 WHERE a.id = $1`, accountID, inviter).
		Scan(&in.accountName, &in.accountLocale, &in.name, &in.email, &in.locale, &in.active)
	return in, err
}

// AcceptInvitation accepts an email invitation exactly once: a new person
// joins with the invitation's groups and roles, or a person of the account
// (a.UserID, already signed in) gets them. The invitation row is locked, so
// parallel accepts make one person. ECONFLICT with the link state when it
// no longer works; ENOTFOUND for an unknown token.
func (s *InvitationStore) AcceptInvitation(ctx context.Context, token string, a roster.Acceptance, now time.Time) (roster.User, error) {
	var u roster.User
	if !roster.ValidTokenShape(token) {
		return u, roster.Errorf(roster.ENOTFOUND, "invitation not found")
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var inv roster.Invitation
		var accountID int64
		err := tx.QueryRow(ctx, `SELECT id, account_id, kind, coalesce(email, ''), status, expires_at, group_ids, role_ids, invited_by, coalesce(locale, '')
		FROM invitations WHERE token_hash = $1 FOR UPDATE`, roster.TokenHash(token)).
			Scan(&inv.ID, &accountID, &inv.Kind, &inv.Email, &inv.Status, &inv.ExpiresAt, &inv.GroupIDs, &inv.RoleIDs, &inv.InvitedByID, &inv.Locale)
		if err != nil {
			return mapError(err, "invitation")
		}
		if inv.Kind != roster.KindEmail {
			return roster.Errorf(roster.ENOTFOUND, "invitation not found")
		}
		if st := inv.LinkState(now); st != roster.LinkOK {
			return linkState(st)
		}
		if a.UserID != 0 {
			err := tx.QueryRow(ctx, `SELECT id, account_id, email, name, status FROM users WHERE account_id = $1 AND id = $2 AND lower(email) = lower($3)`,
				accountID, a.UserID, inv.Email).Scan(&u.ID, &u.AccountID, &u.Email, &u.Name, &u.Status)
			if err != nil {
				return roster.Errorf(roster.EFORBIDDEN, "invite.other_person")
			}
		} else {
			if u, err = createUser(ctx, tx, accountID, inv.Email, a.Name, a.PasswordHash, cmpOr(a.Locale, inv.Locale), inv.InvitedByID, inv.ID, now); err != nil {
				return err
			}
		}
		if err := grantAll(ctx, tx, accountID, u.ID, inv.GroupIDs, inv.RoleIDs, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE invitations SET status = 'accepted', accepted_at = $3, accepted_user_id = $4 WHERE account_id = $1 AND id = $2`,
			accountID, inv.ID, now, u.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO audit_events (account_id, at, actor_id, action, target_user_id, invitation_id) VALUES ($1, $2, $3, 'accepted', $3, $4)`,
			accountID, now, u.ID, inv.ID); err != nil {
			return err
		}
		return s.tellInviter(ctx, tx, accountID, inv.InvitedByID, u, "")
	})
	return u, err
}

// tellInviter queues the "accepted" email to whoever invited u.
func (s *InvitationStore) tellInviter(ctx context.Context, tx pgx.Tx, accountID int64, inviter *int64, u roster.User, linkLabel string) error {
	if inviter == nil {
		return nil
	}
	in, err := loadInviter(ctx, tx, accountID, inviter)
	if err != nil || !in.active {
		return err
	}
	return enqueue(ctx, s.queue, tx, roster.EmailJob{Template: roster.EmailAccepted, AccountID: accountID, To: in.email, ToName: in.name,
		Locale: cmpOr(in.locale, in.accountLocale), AccountName: in.accountName, PersonName: u.Name, PersonEmail: u.Email, LinkLabel: linkLabel})
}

// StartJoin begins joining through an invite link: it records an
// unconfirmed request and emails a code and a link that confirm the
// address. Nothing is active until then. ECONFLICT with the link state when
// the link no longer works, or "join.email_taken" / "join.already_requested";
// EINVALID "join.domain_not_allowed".
func (s *InvitationStore) StartJoin(ctx context.Context, token string, j roster.JoinStart, now time.Time) (int64, error) {
	var requestID int64
	if !roster.ValidTokenShape(token) {
		return 0, roster.Errorf(roster.ENOTFOUND, "invitation not found")
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var link roster.Invitation
		var accountID int64
		var accountName, accountLocale string
		err := tx.QueryRow(ctx, `SELECT i.id, i.account_id, i.kind, i.status, i.expires_at, coalesce(i.max_uses, 0), i.use_count, i.allowed_domains,
		       i.group_ids, i.role_ids, a.name, a.default_locale
		FROM invitations i JOIN accounts a ON a.id = i.account_id WHERE i.token_hash = $1`, roster.TokenHash(token)).
			Scan(&link.ID, &accountID, &link.Kind, &link.Status, &link.ExpiresAt, &link.MaxUses, &link.UseCount, &link.AllowedDomains,
				&link.GroupIDs, &link.RoleIDs, &accountName, &accountLocale)
		if err != nil {
			return mapError(err, "invitation")
		}
		if link.Kind != roster.KindLink {
			return roster.Errorf(roster.ENOTFOUND, "invitation not found")
		}
		if st := link.LinkState(now); st != roster.LinkOK {
			return linkState(st)
		}
		if len(link.AllowedDomains) > 0 && !slices.Contains(link.AllowedDomains, roster.EmailDomain(j.Email)) {
			return roster.Errorf(roster.EINVALID, "join.domain_not_allowed")
		}
		var taken bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($1))`, j.Email).Scan(&taken); err != nil {
			return err
		}
		if taken {
			return roster.Errorf(roster.ECONFLICT, "join.email_taken")
		}
		// Asking again before confirming starts over with a new code.
		var open string
		err = tx.QueryRow(ctx, `DELETE FROM join_requests WHERE account_id = $1 AND lower(email) = lower($2) AND status = 'unconfirmed' RETURNING status`,
			accountID, j.Email).Scan(&open)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		nonce := roster.NewNonce()
		err = tx.QueryRow(ctx, `INSERT INTO join_requests (account_id, invitation_id, email, name, password_hash, locale, status,
		    confirm_nonce, confirm_hash, confirm_expires_at, group_ids, role_ids, created_at)
		VALUES ($1, $2, $3, $4, $5, nullif($6, ''), 'unconfirmed', $7, $8, $9, $10, $11, $12) RETURNING id`,
			accountID, link.ID, j.Email, j.Name, j.PasswordHash, j.Locale, nonce, roster.TokenHash(s.key.Token(nonce)),
			now.Add(roster.ConfirmValidity), link.GroupIDs, link.RoleIDs, now).Scan(&requestID)
		if err != nil {
			if roster.ErrorCode(mapError(err, "")) == roster.ECONFLICT {
				return roster.Errorf(roster.ECONFLICT, "join.already_requested")
			}
			return err
		}
		return enqueue(ctx, s.queue, tx, roster.EmailJob{Template: roster.EmailConfirm, AccountID: accountID, JoinRequestID: requestID,
			Nonce: nonce, To: j.Email, ToName: j.Name, Locale: cmpOr(j.Locale, accountLocale), AccountName: accountName,
			ExpiresAt: now.Add(roster.ConfirmValidity)})
	})
	return requestID, err
}

// errWrongCode is returned after the failed attempt has been counted.
var errWrongCode = roster.Errorf(roster.EINVALID, "join.wrong_code")

// ConfirmJoin confirms a join's address and takes one use of the link,
// exactly once: the request and the link rows are locked, so parallel
// confirmations never exceed the link's maximum. Without approval the person
// is active at once (Outcome.User); with it the request waits for an
// administrator. EINVALID "join.wrong_code"; ECONFLICT "join.code_expired",
// "join.too_many_attempts", or the link state.
func (s *InvitationStore) ConfirmJoin(ctx context.Context, c roster.JoinConfirmation, now time.Time) (roster.JoinOutcome, error) {
	var out roster.JoinOutcome
	wrong := false
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var j roster.JoinRequest
		var accountID int64
		var nonce []byte
		var hash, locale string
		var attempts int
		var expires time.Time
		q := `SELECT id, account_id, invitation_id, email, name, status, group_ids, role_ids, coalesce(password_hash, ''), coalesce(locale, ''),
		       confirm_nonce, confirm_attempts, confirm_expires_at, coalesce(user_id, 0)
		FROM join_requests WHERE `
		var row pgx.Row
		if c.Token != "" {
			row = tx.QueryRow(ctx, q+`confirm_hash = $1 FOR UPDATE`, roster.TokenHash(c.Token))
		} else {
			row = tx.QueryRow(ctx, q+`id = $1 FOR UPDATE`, c.RequestID)
		}
		if err := row.Scan(&j.ID, &accountID, &j.InvitationID, &j.Email, &j.Name, &j.Status, &j.GroupIDs, &j.RoleIDs, &hash, &locale,
			&nonce, &attempts, &expires, &j.UserID); err != nil {
			return mapError(err, "join request")
		}
		out.Request = j
		if err := tx.QueryRow(ctx, `SELECT name FROM accounts WHERE id = $1`, accountID).Scan(&out.AccountName); err != nil {
			return err
		}
		if j.Status != "unconfirmed" {
			return nil // confirmed already (a second click on the link): say where it stands
		}
		if !expires.After(now) {
			return roster.Errorf(roster.ECONFLICT, "join.code_expired")
		}
		if c.Token == "" {
			if attempts >= roster.MaxConfirmAttempts {
				return roster.Errorf(roster.ECONFLICT, "join.too_many_attempts")
			}
			if subtle.ConstantTimeCompare([]byte(strings.TrimSpace(c.Code)), []byte(s.key.ConfirmCode(nonce))) != 1 {
				wrong = true
				_, err := tx.Exec(ctx, `UPDATE join_requests SET confirm_attempts = confirm_attempts + 1 WHERE account_id = $1 AND id = $2`, accountID, j.ID)
				return err
			}
		}
		var link roster.Invitation
		err := tx.QueryRow(ctx, `SELECT id, kind, status, expires_at, coalesce(max_uses, 0), use_count, approval_required, invited_by, coalesce(label, '')
		FROM invitations WHERE account_id = $1 AND id = $2 FOR UPDATE`, accountID, j.InvitationID).
			Scan(&link.ID, &link.Kind, &link.Status, &link.ExpiresAt, &link.MaxUses, &link.UseCount, &link.ApprovalNeeded, &link.InvitedByID, &link.Label)
		if err != nil {
			return mapError(err, "invitation")
		}
		if st := link.LinkState(now); st != roster.LinkOK {
			return linkState(st)
		}
		if _, err := tx.Exec(ctx, `UPDATE invitations SET use_count = use_count + 1 WHERE account_id = $1 AND id = $2`, accountID, link.ID); err != nil {
			return err
		}
		if link.ApprovalNeeded {
			out.Request.Status = "pending"
			if _, err := tx.Exec(ctx, `UPDATE join_requests SET status = 'pending', confirmed_at = $3 WHERE account_id = $1 AND id = $2`,
				accountID, j.ID, now); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO audit_events (account_id, at, action, invitation_id, detail) VALUES ($1, $2, 'join_requested', $3, jsonb_build_object('email', $4::text, 'request', $5::bigint))`,
				accountID, now, link.ID, j.Email, j.ID); err != nil {
				return err
			}
			return s.tellApprovers(ctx, tx, accountID, j, link.Label)
		}
		u, err := createUser(ctx, tx, accountID, j.Email, j.Name, hash, locale, link.InvitedByID, link.ID, now)
		if err != nil {
			return err
		}
		if err := grantAll(ctx, tx, accountID, u.ID, j.GroupIDs, j.RoleIDs, now); err != nil {
			return err
		}
		out.User, out.Request.Status, out.Request.UserID = &u, "approved", u.ID
		if _, err := tx.Exec(ctx, `UPDATE join_requests SET status = 'approved', confirmed_at = $3, decided_at = $3, user_id = $4
		WHERE account_id = $1 AND id = $2`, accountID, j.ID, now, u.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO audit_events (account_id, at, actor_id, action, target_user_id, invitation_id) VALUES ($1, $2, $3, 'joined', $3, $4)`,
			accountID, now, u.ID, link.ID); err != nil {
			return err
		}
		return s.tellInviter(ctx, tx, accountID, link.InvitedByID, u, link.Label)
	})
	if err == nil && wrong {
		return out, errWrongCode
	}
	return out, err
}

type adminContact struct{ email, name, locale, accountName string }

// accountAdmins lists the active account administrators (Administrator on
// the root group).
func accountAdmins(ctx context.Context, tx pgx.Tx, accountID int64) ([]adminContact, error) {
	rows, err := tx.Query(ctx, `SELECT DISTINCT u.email, u.name, coalesce(u.locale, a.default_locale), a.name
	FROM users u
	JOIN role_assignments ra ON ra.account_id = u.account_id AND ra.user_id = u.id
	JOIN roles r ON r.account_id = ra.account_id AND r.id = ra.role_id AND r.key = 'administrator'
	JOIN groups g ON g.account_id = ra.account_id AND g.id = ra.group_id AND g.parent_id IS NULL
	JOIN accounts a ON a.id = u.account_id
	WHERE u.account_id = $1 AND u.status = 'active'`, accountID)
	if err != nil {
		return nil, err
	}
	var out []adminContact
	var c adminContact
	_, err = pgx.ForEachRow(rows, []any{&c.email, &c.name, &c.locale, &c.accountName}, func() error {
		out = append(out, c)
		return nil
	})
	return out, err
}

// tellApprovers queues a join-request email to every active account
// administrator.
func (s *InvitationStore) tellApprovers(ctx context.Context, tx pgx.Tx, accountID int64, j roster.JoinRequest, label string) error {
	admins, err := accountAdmins(ctx, tx, accountID)
	if err != nil {
		return err
	}
	var jobs []river.JobArgs
	for _, ad := range admins {
		jobs = append(jobs, roster.EmailJob{Template: roster.EmailJoinRequest, AccountID: accountID, JoinRequestID: j.ID, To: ad.email, ToName: ad.name,
			Locale: ad.locale, AccountName: ad.accountName, PersonName: j.Name, PersonEmail: j.Email, LinkLabel: label})
	}
	return enqueue(ctx, s.queue, tx, jobs...)
}

// ApproveJoinRequest makes the person of a pending join request active
// with the given groups and roles (the administrator may have changed
// them), exactly once. ECONFLICT "join.not_pending" when it was decided
// already; EINVALID for groups or roles not of the account.
func (s *InvitationStore) ApproveJoinRequest(ctx context.Context, accountID, actorID, requestID int64, groupIDs, roleIDs []int64, now time.Time) (roster.User, error) {
	var u roster.User
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		j, hash, locale, err := lockPendingRequest(ctx, tx, accountID, requestID)
		if err != nil {
			return err
		}
		groups, roles, err := grants(ctx, tx, accountID, groupIDs, roleIDs)
		if err != nil {
			return err
		}
		var inviter *int64
		if err := tx.QueryRow(ctx, `SELECT invited_by FROM invitations WHERE account_id = $1 AND id = $2`, accountID, j.InvitationID).Scan(&inviter); err != nil {
			return err
		}
		if u, err = createUser(ctx, tx, accountID, j.Email, j.Name, hash, locale, inviter, j.InvitationID, now); err != nil {
			return err
		}
		if err := grantAll(ctx, tx, accountID, u.ID, groupIDs, roleIDs, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE join_requests SET status = 'approved', decided_at = $3, decided_by = $4, user_id = $5, group_ids = $6, role_ids = $7
		WHERE account_id = $1 AND id = $2`, accountID, requestID, now, actorID, u.ID, uniqueIDs(groupIDs), uniqueIDs(roleIDs)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO audit_events (account_id, at, actor_id, action, target_user_id, invitation_id) VALUES ($1, $2, $3, 'approved', $4, $5)`,
			accountID, now, actorID, u.ID, j.InvitationID); err != nil {
			return err
		}
		in, err := loadInviter(ctx, tx, accountID, nil)
		if err != nil {
			return err
		}
		return enqueue(ctx, s.queue, tx, roster.EmailJob{Template: roster.EmailDecision, AccountID: accountID, JoinRequestID: requestID,
			To: j.Email, ToName: j.Name, Locale: cmpOr(locale, in.accountLocale), AccountName: in.accountName, Approved: true, Groups: groups, Roles: roles})
	})
	return u, err
}

// DenyJoinRequest refuses a pending join request and tells the person.
// ECONFLICT "join.not_pending" when it was decided already.
func (s *InvitationStore) DenyJoinRequest(ctx context.Context, accountID, actorID, requestID int64, now time.Time) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		j, _, locale, err := lockPendingRequest(ctx, tx, accountID, requestID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE join_requests SET status = 'denied', decided_at = $3, decided_by = $4, password_hash = NULL
		WHERE account_id = $1 AND id = $2`, accountID, requestID, now, actorID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO audit_events (account_id, at, actor_id, action, invitation_id, detail) VALUES ($1, $2, $3, 'denied', $4, jsonb_build_object('email', $5::text))`,
			accountID, now, actorID, j.InvitationID, j.Email); err != nil {
			return err
		}
		in, err := loadInviter(ctx, tx, accountID, nil)
		if err != nil {
			return err
		}
		return enqueue(ctx, s.queue, tx, roster.EmailJob{Template: roster.EmailDecision, AccountID: accountID, JoinRequestID: requestID,
			To: j.Email, ToName: j.Name, Locale: cmpOr(locale, in.accountLocale), AccountName: in.accountName, Approved: false})
	})
}

func lockPendingRequest(ctx context.Context, tx pgx.Tx, accountID, requestID int64) (roster.JoinRequest, string, string, error) {
	var j roster.JoinRequest
	var hash, locale string
	err := tx.QueryRow(ctx, `SELECT id, invitation_id, email, name, status, coalesce(password_hash, ''), coalesce(locale, '')
	FROM join_requests WHERE account_id = $1 AND id = $2 FOR UPDATE`, accountID, requestID).
		Scan(&j.ID, &j.InvitationID, &j.Email, &j.Name, &j.Status, &hash, &locale)
	if err != nil {
		return j, "", "", mapError(err, "join request")
	}
	if j.Status != "pending" {
		return j, "", "", roster.Errorf(roster.ECONFLICT, "join.not_pending")
	}
	return j, hash, locale, nil
}

// AskForNewInvitation tells the inviter that someone opened an invitation
// that no longer works. It asks at most once a day per invitation, so the
// button cannot be used to flood an inviter. requester is the invitee's
// address when known.
func (s *InvitationStore) AskForNewInvitation(ctx context.Context, token, requester string, now time.Time) error {
	if !roster.ValidTokenShape(token) {
		return roster.Errorf(roster.ENOTFOUND, "invitation not found")
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var inv roster.Invitation
		var accountID int64
		err := tx.QueryRow(ctx, `SELECT id, account_id, kind, coalesce(email, ''), status, expires_at, coalesce(max_uses, 0), use_count, invited_by
		FROM invitations WHERE token_hash = $1 FOR UPDATE`, roster.TokenHash(token)).
			Scan(&inv.ID, &accountID, &inv.Kind, &inv.Email, &inv.Status, &inv.ExpiresAt, &inv.MaxUses, &inv.UseCount, &inv.InvitedByID)
		if err != nil {
			return mapError(err, "invitation")
		}
		state := inv.LinkState(now)
		if state == roster.LinkOK {
			return nil // it still works: nothing to ask
		}
		var asked bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM audit_events WHERE account_id = $1 AND invitation_id = $2
		    AND action = 'asked_new_invitation' AND at > $3)`, accountID, inv.ID, now.Add(-24*time.Hour)).Scan(&asked); err != nil || asked {
			return err
		}
		if inv.Kind == roster.KindEmail {
			requester = inv.Email // the invitation says who it was for
		}
		if _, err := tx.Exec(ctx, `INSERT INTO audit_events (account_id, at, action, invitation_id, detail) VALUES ($1, $2, 'asked_new_invitation', $3, jsonb_build_object('requester', $4::text, 'state', $5::text))`,
			accountID, now, inv.ID, requester, state); err != nil {
			return err
		}
		in, err := loadInviter(ctx, tx, accountID, inv.InvitedByID)
		if err != nil {
			return err
		}
		if in.active {
			return enqueue(ctx, s.queue, tx, roster.EmailJob{Template: roster.EmailNewInvitation, AccountID: accountID,
				To: in.email, ToName: in.name, Locale: cmpOr(in.locale, in.accountLocale), AccountName: in.accountName,
				PersonEmail: requester, Reason: state})
		}
		// The inviter is gone: the account's administrators hear instead.
		admins, err := accountAdmins(ctx, tx, accountID)
		if err != nil {
			return err
		}
		var jobs []river.JobArgs
		for _, ad := range admins {
			jobs = append(jobs, roster.EmailJob{Template: roster.EmailNewInvitation, AccountID: accountID, To: ad.email, ToName: ad.name,
				Locale: ad.locale, AccountName: in.accountName, PersonEmail: requester, Reason: state})
		}
		return enqueue(ctx, s.queue, tx, jobs...)
	})
}

// InvitationIssue returns the current nonce and status of an invitation,
// so a queued email can tell whether it is still the one to send.
func (s *InvitationStore) InvitationIssue(ctx context.Context, accountID, id int64) ([]byte, string, error) {
	var nonce []byte
	var status string
	err := s.pool.QueryRow(ctx, `SELECT token_nonce, status FROM invitations WHERE account_id = $1 AND id = $2`, accountID, id).Scan(&nonce, &status)
	return nonce, status, mapError(err, "invitation")
}

// MarkDelivery records how sending an invitation's email went (sent, or
// failed with a reason), only for the issue named by nonce: the outcome
// of a superseded email never overwrites a newer one's.
func (s *InvitationStore) MarkDelivery(ctx context.Context, accountID, id int64, nonce []byte, delivery, reason string) error {
	_, err := s.pool.Exec(ctx, `UPDATE invitations SET delivery = $4, delivery_error = nullif($5, '')
	WHERE account_id = $1 AND id = $2 AND token_nonce = $3`, accountID, id, nonce, delivery, reason)
	return err
}

// SweepExpired marks pending invitations past their expiry as expired, so
// pending counts stay index range scans.
func (s *InvitationStore) SweepExpired(ctx context.Context, now time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE invitations SET status = 'expired' WHERE id IN (
	    SELECT id FROM invitations WHERE status = 'pending' AND expires_at <= $1 LIMIT 10000 FOR UPDATE SKIP LOCKED)`, now)
	return tag.RowsAffected(), err
}

// QueueReminders queues the reminder emails due at now: 7 days and 1 day
// before expiry, for accounts that want them. Rows are claimed with SKIP
// LOCKED, so several server processes never send the same reminder twice.
func (s *InvitationStore) QueueReminders(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT i.id, i.account_id, i.email, i.token_nonce, i.group_ids, i.role_ids, i.expires_at, coalesce(i.message, ''),
		       coalesce(i.locale, a.default_locale), a.name, coalesce(u.name, ''), coalesce(u.email, ''),
		       CASE WHEN i.expires_at <= $1::timestamptz + interval '1 day' THEN 2 ELSE 1 END
		FROM invitations i JOIN accounts a ON a.id = i.account_id
		LEFT JOIN users u ON u.account_id = i.account_id AND u.id = i.invited_by
		WHERE i.status = 'pending' AND i.kind = 'email' AND a.reminders_enabled AND i.expires_at > $1::timestamptz
		  AND ((i.reminders_sent = 0 AND i.expires_at <= $1::timestamptz + interval '7 days') OR (i.reminders_sent < 2 AND i.expires_at <= $1::timestamptz + interval '1 day'))
		ORDER BY i.expires_at LIMIT 1000
		FOR UPDATE OF i SKIP LOCKED`, now)
		if err != nil {
			return err
		}
		type due struct {
			job   roster.EmailJob
			level int
			g, r  []int64
		}
		var list []due
		for rows.Next() {
			var d due
			j := &d.job
			if err := rows.Scan(&j.InvitationID, &j.AccountID, &j.To, &j.Nonce, &d.g, &d.r, &j.ExpiresAt, &j.Message, &j.Locale,
				&j.AccountName, &j.FromName, &j.FromEmail, &d.level); err != nil {
				rows.Close()
				return err
			}
			j.Template = roster.EmailReminder
			list = append(list, d)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		var jobs []river.JobArgs
		for _, d := range list {
			d.job.Groups, d.job.Roles, _ = grants(ctx, tx, d.job.AccountID, existingGroups(ctx, tx, d.job.AccountID, d.g), d.r)
			if _, err := tx.Exec(ctx, `UPDATE invitations SET reminders_sent = $3 WHERE account_id = $1 AND id = $2`, d.job.AccountID, d.job.InvitationID, d.level); err != nil {
				return err
			}
			jobs = append(jobs, d.job)
		}
		n = len(jobs)
		return enqueue(ctx, s.queue, tx, jobs...)
	})
	return n, err
}
