package workflow

import "slices"

// Role is what a staff member may do.
type Role string

// Staff roles.
const (
	RoleAdmin    Role = "admin"
	RoleOperator Role = "operator"
	RoleCurator  Role = "curator"
	RoleExecutor Role = "executor"
	RoleHead     Role = "head"
	RoleLeader   Role = "leader"
	// RolePress is the МЦУ's administrator–press secretary: drafts
	// announcements to the district's residents (the leader or an admin
	// approves them).
	RolePress Role = "press"
)

// Roles returns every role in a stable order, in a slice of the caller's
// own.
func Roles() []Role {
	return []Role{RoleAdmin, RoleOperator, RoleCurator, RoleExecutor, RoleHead, RoleLeader, RolePress}
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles(), r) }

// Scoped reports whether the role belongs to one direction.
func (r Role) Scoped() bool { return r == RoleCurator || r == RoleExecutor }

// Grant is one role of one staff member; Direction is set for scoped roles.
type Grant struct {
	Role      Role
	Direction string
}

// ActorKind tells who fires an event.
type ActorKind string

// Kinds of actor.
const (
	ActorSystem   ActorKind = "system"
	ActorResident ActorKind = "resident"
	ActorStaff    ActorKind = "staff"
)

// Actor is who fires an event: the system, a resident (by Telegram user
// id) or a staff member (by Telegram user id). A staff actor's grants are
// loaded by the service inside the transaction, never trusted from the
// caller.
type Actor struct {
	Kind   ActorKind
	UserID int64
}

// System returns the actor for events the program fires itself.
func System() Actor { return Actor{Kind: ActorSystem} }

// Resident returns the actor for a resident with Telegram user id id.
func Resident(id int64) Actor { return Actor{Kind: ActorResident, UserID: id} }

// Staff returns the actor for a staff member with Telegram user id id.
func Staff(id int64) Actor { return Actor{Kind: ActorStaff, UserID: id} }

// scope says where a role may fire an event.
type scope int

const (
	anywhere     scope = iota + 1 // any appeal
	ownDirection                  // only appeals of the grant's direction
)

// permissions lists, per event, the roles that may fire it.
// System and resident events are marked by the pseudo-roles below.
var permissions = map[Event]map[Role]scope{
	EventRegister:          {roleSystem: anywhere},
	EventRoute:             {roleSystem: anywhere, RoleOperator: anywhere},
	EventTake:              {RoleExecutor: ownDirection, RoleCurator: ownDirection},
	EventAskResident:       {RoleExecutor: ownDirection, RoleCurator: ownDirection},
	EventResidentReplied:   {roleResident: anywhere},
	EventSubmitDraft:       {RoleExecutor: ownDirection, RoleCurator: ownDirection},
	EventApprove:           {RoleCurator: ownDirection, RoleAdmin: anywhere},
	EventReturn:            {RoleCurator: ownDirection, RoleAdmin: anywhere},
	EventReroute:           {RoleCurator: ownDirection, RoleOperator: anywhere},
	EventExtend:            {RoleCurator: ownDirection},
	EventRate:              {roleResident: anywhere},
	EventReopen:            {roleResident: anywhere},
	EventResidentCommented: {roleResident: anywhere},
	// close: the system (rating timeout) or the resident answering «Да».
	EventClose:    {roleSystem: anywhere, roleResident: anywhere},
	EventReject:   {RoleOperator: anywhere, RoleCurator: ownDirection},
	EventRedirect: {RoleOperator: anywhere, RoleCurator: ownDirection},
	EventWithdraw: {roleResident: anywhere},
	// Incidents: who makes and joins them, and approves their answer.
	EventJoinIncident:   {RoleCurator: ownDirection, RoleOperator: anywhere, RoleAdmin: anywhere},
	EventLeaveIncident:  {RoleCurator: ownDirection, RoleOperator: anywhere, RoleAdmin: anywhere},
	EventAnswerIncident: {RoleCurator: ownDirection, RoleAdmin: anywhere},
}

// Pseudo-roles for actors who are not staff.
const (
	roleSystem   Role = "system"
	roleResident Role = "resident"
)

// Authorize returns the role under which actor may fire e on appeal a,
// given the actor's grants (for staff), or a forbidden error. A resident
// may act only on their own appeal.
func Authorize(e Event, actor Actor, grants []Grant, a *Appeal) (Role, error) {
	allowed, ok := permissions[e]
	if !ok {
		return "", Errorf(EInvalid, "unknown event %q", e)
	}
	switch actor.Kind {
	case ActorSystem:
		if _, ok := allowed[roleSystem]; ok {
			return roleSystem, nil
		}
	case ActorResident:
		if _, ok := allowed[roleResident]; ok && a.ResidentUserID != 0 && a.ResidentUserID == actor.UserID {
			return roleResident, nil
		}
		if a.ResidentUserID != actor.UserID {
			// Someone else's appeal: indistinguishable from a missing one.
			return "", Errorf(ENotFound, "appeal %d not found", a.ID)
		}
	case ActorStaff:
		if role, ok := staffRole(allowed, grants, a.Direction); ok {
			return role, nil
		}
	}
	return "", Errorf(EForbidden, "%s %d may not %s appeal %d", actor.Kind, actor.UserID, e, a.ID)
}

// staffRole returns the first of grants that allowed lets act on
// something of direction.
func staffRole(allowed map[Role]scope, grants []Grant, direction string) (Role, bool) {
	for _, g := range grants {
		sc, ok := allowed[g.Role]
		if !ok {
			continue
		}
		if sc == anywhere || (g.Direction != "" && g.Direction == direction) {
			return g.Role, true
		}
	}
	return "", false
}

// SeesAppeal reports whether a staff member holding grants may see the
// card of appeal a outside its chat (from the digest's buttons): the
// head, the МЦУ leader, admins and operators see every appeal; a curator
// or an executor the appeals of their direction.
func SeesAppeal(grants []Grant, a *Appeal) bool {
	for _, g := range grants {
		switch g.Role {
		case RoleHead, RoleLeader, RoleAdmin, RoleOperator:
			return true
		case RoleCurator, RoleExecutor:
			if a.Direction != "" && g.Direction == a.Direction {
				return true
			}
		}
	}
	return false
}
