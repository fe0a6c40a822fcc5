package workflow

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// Caller is who makes a staff request and where: the Telegram user, the
// chat (and forum topic) the command came from, and whether that chat is
// a private one.
type Caller struct {
	UserID   int64
	ChatID   int64
	ThreadID int
	Private  bool
}

// StaffList is the staff as an admin sees it.
type StaffList struct {
	Admins  []int64       // bootstrap admins (MCU_ADMIN_IDS), in no database row
	Members []StaffMember // staff members with the roles they hold, by name
}

// Errors of bindings; compare with errors.Is.
var (
	// ErrUnknownTarget: /bind names neither triage, head, leader nor an
	// active direction.
	ErrUnknownTarget = &Error{Code: EInvalid, Message: "unknown binding target"}
	// ErrGroupOnly: only head and leader may be bound in a private chat.
	ErrGroupOnly = &Error{Code: EInvalid, Message: "only head and leader may be bound in a private chat"}
)

// StaffService decides the staff rules: who may bind chats, invite staff
// and revoke roles (admins, bootstrap admins included), what an
// invitation grants and when it no longer does, what a chat may be bound
// to and which queued cards a newly bound chat receives. The store only
// reads and writes. Set Store; Now defaults to time.Now, NewCode to 16
// random bytes in URL-safe base64.
type StaffService struct {
	Store  StaffStore
	Now    func() time.Time
	Logger *slog.Logger
	// Admins are bootstrap admins (MCU_ADMIN_IDS): they hold the admin
	// role without a row in the database.
	Admins []int64
	// NewCode returns a fresh invitation code, one that fits a /start
	// payload.
	NewCode func() (string, error)
}

func (s *StaffService) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *StaffService) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (s *StaffService) newCode() (string, error) {
	if s.NewCode != nil {
		return s.NewCode()
	}
	buf := make([]byte, 16)
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("invite code: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(buf), nil
}

// admin returns RoleAdmin when the user is an admin, a forbidden error
// otherwise.
func (s *StaffService) admin(ctx context.Context, from GrantFinder, userID int64) (Role, error) {
	grants, err := grantsWithAdmins(ctx, from, s.Admins, userID)
	if err != nil {
		return "", err
	}
	for _, g := range grants {
		if g.Role == RoleAdmin {
			return RoleAdmin, nil
		}
	}
	return "", Errorf(EForbidden, "%d is not an admin", userID)
}

// CheckAdmin returns nil when the user may administer staff (an admin,
// bootstrap admins included) and a forbidden error otherwise. Every
// method below checks it again in its own transaction; this is for
// refusing a command before reading its arguments.
func (s *StaffService) CheckAdmin(ctx context.Context, userID int64) error {
	_, err := s.admin(ctx, s.Store, userID)
	return err
}

// inTx runs fn in one transaction of the store.
func (s *StaffService) inTx(ctx context.Context, fn func(ctx context.Context, tx StaffTx) error) error {
	return s.Store.InStaffTx(ctx, fn)
}

// validGrant checks that g names a role, with a direction exactly when
// the role is scoped, and that the direction exists.
func validGrant(ctx context.Context, tx StaffTx, g Grant) error {
	if !g.Role.Valid() {
		return Errorf(EInvalid, "unknown role %q", g.Role)
	}
	if g.Role.Scoped() != (g.Direction != "") {
		return Errorf(EInvalid, "role %q with direction %q", g.Role, g.Direction)
	}
	if g.Direction == "" {
		return nil
	}
	ok, err := tx.DirectionExists(ctx, g.Direction)
	if err != nil {
		return err
	}
	if !ok {
		return Errorf(EInvalid, "no direction %q", g.Direction)
	}
	return nil
}

// Invite creates a one-time invitation to take the role g, valid for
// InviteTTL. Admins only; the role must be valid, a scoped role needs an
// existing direction and any other role none (an invalid error).
func (s *StaffService) Invite(ctx context.Context, by Caller, g Grant) (Invite, error) {
	var inv Invite
	err := s.inTx(ctx, func(ctx context.Context, tx StaffTx) error {
		role, err := s.admin(ctx, tx, by.UserID)
		if err != nil {
			return err
		}
		if err := validGrant(ctx, tx, g); err != nil {
			return err
		}
		code, err := s.newCode()
		if err != nil {
			return err
		}
		now := s.now()
		inv = Invite{
			Code: code, Role: g.Role, Direction: g.Direction, CreatedBy: by.UserID,
			CreatedAt: now, ExpiresAt: now.Add(InviteTTL),
		}
		if err := tx.InsertInvite(ctx, inv); err != nil {
			return err
		}
		return tx.RecordStaffAction(ctx, StaffAction{
			At: now, ActorID: by.UserID, Role: role, Action: ActionInvite,
			ChatID: by.ChatID, Details: grantDetails(g),
		})
	})
	if err != nil {
		return Invite{}, fmt.Errorf("invite %s: %w", grantDetails(g), err)
	}
	s.logger().InfoContext(ctx, "invite created", "role", g.Role, "direction", g.Direction, "by", by.UserID)
	return inv, nil
}

// Accepted is what redeeming an invitation did: the invitation, now
// used, and whether the new staff member's private chat was bound to
// head.
type Accepted struct {
	Invite
	// HeadChat reports whether the private chat was bound to head: a head
	// invitation accepted while no chat is bound to head and the private
	// chat to nothing.
	HeadChat bool
}

// AcceptInvite redeems an invitation for a user (name is how staff lists
// will call them) in their private chat with the bot, whose id is the
// user's id: in one transaction it grants the role, marks the code used
// and records the grant. A head's private chat is bound to head when no
// chat is (see Accepted). An unknown code is a not-found error, a used
// one ErrInviteUsed, one expired by now ErrInviteExpired; none of them
// grants anything.
func (s *StaffService) AcceptInvite(ctx context.Context, code string, userID int64, name string) (Accepted, error) {
	var acc Accepted
	err := s.inTx(ctx, func(ctx context.Context, tx StaffTx) error {
		inv, found, err := tx.FindInviteForUpdate(ctx, code)
		if err != nil {
			return err
		}
		now := s.now()
		switch {
		case !found:
			return Errorf(ENotFound, "invite not found")
		case inv.Used():
			return ErrInviteUsed
		case !now.Before(inv.ExpiresAt):
			return ErrInviteExpired
		}
		g := Grant{Role: inv.Role, Direction: inv.Direction}
		if err := tx.GrantRole(ctx, userID, name, g, inv.CreatedBy); err != nil {
			return err
		}
		if err := tx.MarkInviteUsed(ctx, code, userID, now); err != nil {
			return err
		}
		inv.UsedBy, inv.UsedAt = userID, now
		acc.Invite = inv
		err = tx.RecordStaffAction(ctx, StaffAction{
			At: now, ActorID: userID, Role: inv.Role, Action: ActionGrant,
			Details: fmt.Sprintf("%s invited by %d", grantDetails(g), inv.CreatedBy),
		})
		if err != nil || inv.Role != RoleHead {
			return err
		}
		acc.HeadChat, err = bindHeadChat(ctx, tx, userID, now)
		return err
	})
	if err != nil {
		return Accepted{}, fmt.Errorf("accept invite: %w", err)
	}
	s.logger().InfoContext(ctx, "invite used", "user_id", userID, "role", acc.Role, "direction", acc.Direction,
		"head_chat_bound", acc.HeadChat)
	return acc, nil
}

// bindHeadChat binds the private chat of a head who has just accepted an
// invitation to head, unless some chat is bound to head already (an admin
// chose it) or the private chat is bound to something else; it reports
// whether it did.
func bindHeadChat(ctx context.Context, tx StaffTx, userID int64, now time.Time) (bool, error) {
	taken, err := tx.TargetBindingExists(ctx, BindHead, "")
	if err != nil || taken {
		return false, err
	}
	if taken, err = tx.ChatBindingExists(ctx, userID, 0); err != nil || taken {
		return false, err
	}
	b := Binding{ChatID: userID, Purpose: BindHead, BoundBy: userID, BoundAt: now}
	if err := tx.InsertBinding(ctx, b); err != nil {
		return false, err
	}
	return true, tx.RecordStaffAction(ctx, StaffAction{
		At: now, ActorID: userID, Role: RoleHead, Action: ActionBind,
		ChatID: userID, Details: bindingTarget(b),
	})
}

// Used reports whether the invitation has been used.
func (inv Invite) Used() bool { return inv.UsedBy != 0 || !inv.UsedAt.IsZero() }

// Bind binds the caller's chat (or forum topic) to target: BindTriage,
// BindHead, BindLeader or the code of an active direction (else
// ErrUnknownTarget). A private chat may be bound only to head or leader
// (else ErrGroupOnly). The binding
// replaces what the chat was bound to and takes the purpose from any
// other chat. The cards queued for that purpose while no chat had it are
// given to the chat; Bind returns the binding and how many. Admins only.
func (s *StaffService) Bind(ctx context.Context, by Caller, target string) (Binding, int, error) {
	b := Binding{ChatID: by.ChatID, ThreadID: by.ThreadID, BoundBy: by.UserID}
	var attached int
	err := s.inTx(ctx, func(ctx context.Context, tx StaffTx) error {
		role, err := s.admin(ctx, tx, by.UserID)
		if err != nil {
			return err
		}
		switch target {
		case BindTriage, BindHead, BindLeader, BindChannel:
			b.Purpose = target
		default:
			ok, err := tx.DirectionExists(ctx, target)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("%w %q", ErrUnknownTarget, target)
			}
			b.Purpose, b.Direction = BindDirection, target
		}
		if by.Private && !personalPurpose(b.Purpose) {
			return fmt.Errorf("%w: %s", ErrGroupOnly, target)
		}
		b.BoundAt = s.now()
		if _, _, err := tx.DeleteChatBinding(ctx, b.ChatID, b.ThreadID); err != nil {
			return err
		}
		if err := tx.DeleteTargetBinding(ctx, b.Purpose, b.Direction); err != nil {
			return err
		}
		if err := tx.InsertBinding(ctx, b); err != nil {
			return err
		}
		if attached, err = s.attachQueued(ctx, tx, b); err != nil {
			return err
		}
		return tx.RecordStaffAction(ctx, StaffAction{
			At: b.BoundAt, ActorID: by.UserID, Role: role, Action: ActionBind,
			ChatID: b.ChatID, Details: bindingTarget(b),
		})
	})
	if err != nil {
		return Binding{}, 0, fmt.Errorf("bind chat %d to %s: %w", by.ChatID, target, err)
	}
	s.logger().InfoContext(ctx, "chat bound", "chat_id", b.ChatID, "thread_id", b.ThreadID,
		"target", target, "by", by.UserID, "queued_cards", attached)
	return b, attached, nil
}

// attachQueued gives the chat of b the notifications queued for its
// purpose and returns how many.
func (s *StaffService) attachQueued(ctx context.Context, tx StaffTx, b Binding) (int, error) {
	queued, err := tx.FindChatlessOutbox(ctx)
	if err != nil {
		return 0, err
	}
	var ids []int64
	for _, q := range queued {
		if b.Receives(q.Notification) {
			ids = append(ids, q.ID)
		}
	}
	return tx.AttachOutbox(ctx, ids, b.ChatID, b.ThreadID)
}

// Receives reports whether a notification queued while no chat had the
// binding's purpose belongs to the chat bound now: a card (an appeal's
// or an incident's) of its direction, or, for triage, an appeal's card of
// no direction. Head and leader receive none (their digest is not
// queued).
func (b Binding) Receives(n Notification) bool {
	switch n.Audience {
	case AudienceCard:
	case AudienceIncidentCard:
		return b.Purpose == BindDirection && n.Direction == b.Direction
	default:
		return false
	}
	switch b.Purpose {
	case BindDirection:
		return n.Direction == b.Direction
	case BindTriage:
		return n.Direction == ""
	}
	return false
}

// Unbind removes the binding of the caller's chat (or topic) and returns
// it; a chat not bound is a not-found error. Admins only.
func (s *StaffService) Unbind(ctx context.Context, by Caller) (Binding, error) {
	var b Binding
	err := s.inTx(ctx, func(ctx context.Context, tx StaffTx) error {
		role, err := s.admin(ctx, tx, by.UserID)
		if err != nil {
			return err
		}
		var found bool
		if b, found, err = tx.DeleteChatBinding(ctx, by.ChatID, by.ThreadID); err != nil {
			return err
		}
		if !found {
			return Errorf(ENotFound, "chat %d topic %d is not bound", by.ChatID, by.ThreadID)
		}
		return tx.RecordStaffAction(ctx, StaffAction{
			At: s.now(), ActorID: by.UserID, Role: role, Action: ActionUnbind,
			ChatID: by.ChatID, Details: bindingTarget(b),
		})
	})
	if err != nil {
		return Binding{}, fmt.Errorf("unbind chat %d: %w", by.ChatID, err)
	}
	s.logger().InfoContext(ctx, "chat unbound", "chat_id", b.ChatID, "thread_id", b.ThreadID, "by", by.UserID)
	return b, nil
}

// Revoke takes the role g from a staff member; revoking a role they do
// not hold is a not-found error. Admins only.
func (s *StaffService) Revoke(ctx context.Context, by Caller, userID int64, g Grant) error {
	err := s.inTx(ctx, func(ctx context.Context, tx StaffTx) error {
		role, err := s.admin(ctx, tx, by.UserID)
		if err != nil {
			return err
		}
		held, err := tx.DeleteRole(ctx, userID, g)
		if err != nil {
			return err
		}
		if !held {
			return Errorf(ENotFound, "%d holds no role %s", userID, grantDetails(g))
		}
		return tx.RecordStaffAction(ctx, StaffAction{
			At: s.now(), ActorID: by.UserID, Role: role, Action: ActionRevoke,
			ChatID: by.ChatID, Details: fmt.Sprintf("%s of %d", grantDetails(g), userID),
		})
	})
	if err != nil {
		return fmt.Errorf("revoke %s of %d: %w", grantDetails(g), userID, err)
	}
	s.logger().InfoContext(ctx, "role revoked", "user_id", userID, "role", g.Role, "direction", g.Direction, "by", by.UserID)
	return nil
}

// ListStaff returns the bootstrap admins and the staff members with their
// roles. Admins only.
func (s *StaffService) ListStaff(ctx context.Context, by Caller) (StaffList, error) {
	if _, err := s.admin(ctx, s.Store, by.UserID); err != nil {
		return StaffList{}, err
	}
	members, err := s.Store.FindStaff(ctx)
	if err != nil {
		return StaffList{}, fmt.Errorf("list staff: %w", err)
	}
	return StaffList{Admins: slices.Clone(s.Admins), Members: members}, nil
}

// grantDetails names a grant in the staff audit trail: "executor housing".
func grantDetails(g Grant) string {
	if g.Direction != "" {
		return string(g.Role) + " " + g.Direction
	}
	return string(g.Role)
}

// bindingTarget names what a binding is for: a direction code, "triage",
// "head" or "leader".
func bindingTarget(b Binding) string {
	if b.Purpose == BindDirection {
		return b.Direction
	}
	return b.Purpose
}
