package workflow_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mcu/internal/dbtest"
	"mcu/workflow"
)

// Staff of the staff service's tests.
const (
	staffAdmin     = 3001 // admin in the database
	staffBootstrap = 3002 // bootstrap admin (MCU_ADMIN_IDS), in no database row
	staffCurator   = 3003 // curator of housing: staff, not an admin
	staffNobody    = 3004 // holds no role
)

// staffFixture is a fixture with a staff service over its database.
type staffFixture struct {
	*fixture
	staff *workflow.StaffService
	codes atomic.Int64
}

func newStaffFixture(tb testing.TB) *staffFixture {
	tb.Helper()
	f := &staffFixture{fixture: newFixture(tb)}
	f.staff = &workflow.StaffService{
		Store:  f.db,
		Now:    func() time.Time { return f.now },
		Logger: dbtest.Logger(tb),
		Admins: []int64{staffBootstrap},
		NewCode: func() (string, error) {
			return fmt.Sprintf("code%d", f.codes.Add(1)), nil
		},
	}
	ctx := context.Background()
	if err := f.db.GrantRole(ctx, staffAdmin, "Админ", workflow.Grant{Role: workflow.RoleAdmin}, 0); err != nil {
		tb.Fatal(err)
	}
	if err := f.db.GrantRole(ctx, staffCurator, "Куратор", workflow.Grant{Role: workflow.RoleCurator, Direction: "housing"}, 0); err != nil {
		tb.Fatal(err)
	}
	return f
}

// staffState sums up everything a staff request could change.
func (f *staffFixture) staffState(tb testing.TB) string {
	tb.Helper()
	var s string
	err := f.db.Pool().QueryRow(context.Background(), `SELECT concat_ws(' ',
		(SELECT count(*) FROM invites), (SELECT count(*) FROM invites WHERE used_by IS NOT NULL),
		(SELECT count(*) FROM staff), (SELECT count(*) FROM staff_roles),
		(SELECT string_agg(chat_id || '/' || thread_id || ':' || purpose || coalesce(direction, ''), ',' ORDER BY chat_id, thread_id) FROM chat_bindings),
		(SELECT count(*) FROM outbox WHERE chat_id IS NOT NULL), (SELECT count(*) FROM staff_actions))`).Scan(&s)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// lastAction returns the latest row of the staff audit trail.
func (f *staffFixture) lastAction(tb testing.TB) workflow.StaffAction {
	tb.Helper()
	var a workflow.StaffAction
	err := f.db.Pool().QueryRow(context.Background(), `
		SELECT actor_id, role, action, coalesce(chat_id, 0), details FROM staff_actions ORDER BY id DESC LIMIT 1`).Scan(
		&a.ActorID, &a.Role, &a.Action, &a.ChatID, &a.Details)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// grants returns the roles a user holds in the database.
func (f *staffFixture) grants(tb testing.TB, userID int64) []workflow.Grant {
	tb.Helper()
	gs, err := f.db.FindGrants(context.Background(), userID)
	if err != nil {
		tb.Fatal(err)
	}
	return gs
}

// group is a caller in a group chat.
func group(userID, chatID int64) workflow.Caller {
	return workflow.Caller{UserID: userID, ChatID: chatID}
}

// private is a caller in their private chat with the bot.
func private(userID int64) workflow.Caller {
	return workflow.Caller{UserID: userID, ChatID: userID, Private: true}
}

// TestStaffAdminOnly: admins, bootstrap admins included, may invite, bind,
// unbind, revoke and list staff; other staff and strangers are refused
// and nothing changes.
func TestStaffAdminOnly(t *testing.T) {
	t.Parallel()
	f := newStaffFixture(t)
	ctx := context.Background()
	const member = 3100 // whose role is revoked
	ops := []struct {
		name   string
		setup  func()
		do     func(by int64) error
		writes bool
	}{
		{name: "check", do: func(by int64) error { return f.staff.CheckAdmin(ctx, by) }},
		{name: "invite", writes: true, do: func(by int64) error {
			_, err := f.staff.Invite(ctx, private(by), workflow.Grant{Role: workflow.RoleOperator})
			return err
		}},
		{name: "bind", writes: true, do: func(by int64) error {
			_, _, err := f.staff.Bind(ctx, group(by, -400-by), "economy")
			return err
		}},
		{name: "unbind", writes: true,
			setup: func() {
				dbtest.Exec(t, f.db, `INSERT INTO chat_bindings (chat_id, purpose, bound_by) VALUES (-500, 'head', 1) ON CONFLICT DO NOTHING`)
			},
			do: func(by int64) error { _, err := f.staff.Unbind(ctx, group(by, -500)); return err }},
		{name: "revoke", writes: true,
			setup: func() {
				if err := f.db.GrantRole(ctx, member, "Сотрудник", workflow.Grant{Role: workflow.RoleOperator}, 0); err != nil {
					t.Fatal(err)
				}
			},
			do: func(by int64) error {
				return f.staff.Revoke(ctx, private(by), member, workflow.Grant{Role: workflow.RoleOperator})
			}},
		{name: "list staff", do: func(by int64) error { _, err := f.staff.ListStaff(ctx, private(by)); return err }},
	}
	callers := []struct {
		name    string
		id      int64
		allowed bool
	}{
		{"admin", staffAdmin, true},
		{"bootstrap admin", staffBootstrap, true},
		{"curator", staffCurator, false},
		{"stranger", staffNobody, false},
	}
	for _, op := range ops {
		for _, c := range callers {
			if op.setup != nil {
				op.setup()
			}
			before := f.staffState(t)
			err := op.do(c.id)
			after := f.staffState(t)
			if c.allowed {
				if err != nil {
					t.Errorf("%s by %s: %v", op.name, c.name, err)
				}
				if op.writes && after == before {
					t.Errorf("%s by %s changed nothing", op.name, c.name)
				}
				continue
			}
			if code := workflow.ErrorCode(err); code != workflow.EForbidden {
				t.Errorf("%s by %s: %v (code %q), want forbidden", op.name, c.name, err, code)
			}
			if after != before {
				t.Errorf("%s by %s was refused but changed %s to %s", op.name, c.name, before, after)
			}
		}
	}
}

func TestInviteRoles(t *testing.T) {
	t.Parallel()
	f := newStaffFixture(t)
	ctx := context.Background()
	dbtest.Exec(t, f.db, `UPDATE directions SET active = false WHERE code = 'property'`)
	cases := []struct {
		name    string
		grant   workflow.Grant
		details string // in the audit trail; "" when refused
	}{
		{"unscoped role", workflow.Grant{Role: workflow.RoleOperator}, "operator"},
		{"scoped role with its direction", workflow.Grant{Role: workflow.RoleExecutor, Direction: "housing"}, "executor housing"},
		{"scoped role without a direction", workflow.Grant{Role: workflow.RoleCurator}, ""},
		{"unscoped role with a direction", workflow.Grant{Role: workflow.RoleHead, Direction: "housing"}, ""},
		{"scoped role with an unknown direction", workflow.Grant{Role: workflow.RoleExecutor, Direction: "nowhere"}, ""},
		{"scoped role with an inactive direction", workflow.Grant{Role: workflow.RoleExecutor, Direction: "property"}, ""},
		{"unknown role", workflow.Grant{Role: "boss"}, ""},
	}
	for _, c := range cases {
		before := f.staffState(t)
		inv, err := f.staff.Invite(ctx, group(staffAdmin, -42), c.grant)
		if c.details == "" {
			if code := workflow.ErrorCode(err); code != workflow.EInvalid {
				t.Errorf("%s: %v (code %q), want invalid", c.name, err, code)
			}
			if after := f.staffState(t); after != before {
				t.Errorf("%s was refused but changed %s to %s", c.name, before, after)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		want := workflow.Invite{Code: inv.Code, Role: c.grant.Role, Direction: c.grant.Direction,
			CreatedBy: staffAdmin, CreatedAt: f.now, ExpiresAt: f.now.Add(workflow.InviteTTL)}
		if inv.Code == "" || inv != want {
			t.Errorf("%s: invite %+v, want %+v", c.name, inv, want)
		}
		var stored workflow.Invite
		err = f.db.Pool().QueryRow(ctx, `SELECT role, coalesce(direction, ''), created_by, expires_at FROM invites WHERE code = $1`,
			inv.Code).Scan(&stored.Role, &stored.Direction, &stored.CreatedBy, &stored.ExpiresAt)
		if err != nil || stored.Role != want.Role || stored.Direction != want.Direction || !stored.ExpiresAt.Equal(want.ExpiresAt) {
			t.Errorf("%s: stored %+v (%v), want %+v", c.name, stored, err, want)
		}
		act := f.lastAction(t)
		wantAct := workflow.StaffAction{ActorID: staffAdmin, Role: workflow.RoleAdmin, Action: workflow.ActionInvite,
			ChatID: -42, Details: c.details}
		if act != wantAct {
			t.Errorf("%s: audit %+v, want %+v", c.name, act, wantAct)
		}
	}
}

func TestAcceptInvite(t *testing.T) {
	t.Parallel()
	f := newStaffFixture(t)
	ctx := context.Background()
	start := f.now
	expires := start.Add(workflow.InviteTTL)
	cases := []struct {
		name    string
		code    string    // "" for a new invitation
		usedBy  int64     // someone who used it first, at start
		at      time.Time // when it is opened
		wantErr func(error) bool
	}{
		{name: "fresh", at: start.Add(time.Hour)},
		{name: "its last moment", at: expires.Add(-time.Microsecond)},
		{name: "expired", at: expires, wantErr: is(workflow.ErrInviteExpired)},
		{name: "used", usedBy: 3201, at: start.Add(time.Hour), wantErr: is(workflow.ErrInviteUsed)},
		{name: "used and expired", usedBy: 3202, at: expires.Add(time.Hour), wantErr: is(workflow.ErrInviteUsed)},
		{name: "unknown", code: "nosuchcode", at: start, wantErr: hasCode(workflow.ENotFound)},
	}
	for i, c := range cases {
		user := int64(3300 + i)
		f.now = start
		code := c.code
		if code == "" {
			inv, err := f.staff.Invite(ctx, private(staffAdmin), workflow.Grant{Role: workflow.RoleExecutor, Direction: "housing"})
			if err != nil {
				t.Fatal(err)
			}
			code = inv.Code
		}
		if c.usedBy != 0 {
			if _, err := f.staff.AcceptInvite(ctx, code, c.usedBy, "Первый"); err != nil {
				t.Fatal(err)
			}
		}
		f.now = c.at
		before := f.staffState(t)
		inv, err := f.staff.AcceptInvite(ctx, code, user, "Сотрудник")
		if c.wantErr != nil {
			if !c.wantErr(err) {
				t.Errorf("%s: %v", c.name, err)
			}
			if after := f.staffState(t); after != before {
				t.Errorf("%s was refused but changed %s to %s", c.name, before, after)
			}
			if gs := f.grants(t, user); len(gs) != 0 {
				t.Errorf("%s granted %v", c.name, gs)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		want := workflow.Grant{Role: workflow.RoleExecutor, Direction: "housing"}
		if gs := f.grants(t, user); len(gs) != 1 || gs[0] != want {
			t.Errorf("%s: grants %v, want %v", c.name, gs, want)
		}
		if inv.UsedBy != user || !inv.UsedAt.Equal(c.at) || !inv.Used() {
			t.Errorf("%s: invite used by %d at %v, want %d at %v", c.name, inv.UsedBy, inv.UsedAt, user, c.at)
		}
		var usedBy int64
		if err := f.db.Pool().QueryRow(ctx, `SELECT used_by FROM invites WHERE code = $1`, code).Scan(&usedBy); err != nil || usedBy != user {
			t.Errorf("%s: stored used_by %d (%v), want %d", c.name, usedBy, err, user)
		}
		act := f.lastAction(t)
		wantAct := workflow.StaffAction{ActorID: user, Role: workflow.RoleExecutor, Action: workflow.ActionGrant,
			Details: fmt.Sprintf("executor housing invited by %d", staffAdmin)}
		if act != wantAct {
			t.Errorf("%s: audit %+v, want %+v", c.name, act, wantAct)
		}
	}
}

func is(target error) func(error) bool {
	return func(err error) bool { return errors.Is(err, target) }
}

func hasCode(code string) func(error) bool {
	return func(err error) bool { return workflow.ErrorCode(err) == code }
}

// TestAcceptInviteOnce: two people opening the same link at once get one
// role between them.
func TestAcceptInviteOnce(t *testing.T) {
	t.Parallel()
	f := newStaffFixture(t)
	ctx := context.Background()
	inv, err := f.staff.Invite(ctx, private(staffAdmin), workflow.Grant{Role: workflow.RoleExecutor, Direction: "housing"})
	if err != nil {
		t.Fatal(err)
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { _, errs[i] = f.staff.AcceptInvite(ctx, inv.Code, int64(3400+i), "Сотрудник") })
	}
	wg.Wait()
	ok, used := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, workflow.ErrInviteUsed):
			used++
		default:
			t.Errorf("AcceptInvite: %v", err)
		}
	}
	var roles int
	if err := f.db.Pool().QueryRow(ctx, `SELECT count(*) FROM staff_roles WHERE user_id IN (3400, 3401)`).Scan(&roles); err != nil {
		t.Fatal(err)
	}
	if ok != 1 || used != 1 || roles != 1 {
		t.Errorf("%d granted, %d refused as used, %d roles; want 1, 1, 1", ok, used, roles)
	}
}

func TestBindTargets(t *testing.T) {
	t.Parallel()
	f := newStaffFixture(t)
	ctx := context.Background()
	dbtest.Exec(t, f.db, `UPDATE directions SET active = false WHERE code = 'property'`)
	cases := []struct {
		name    string
		by      workflow.Caller
		target  string
		want    workflow.Binding // zero when refused
		wantErr error
	}{
		{name: "head in a private chat", by: private(staffAdmin), target: "head",
			want: workflow.Binding{ChatID: staffAdmin, Purpose: workflow.BindHead}},
		{name: "leader in a private chat", by: private(staffBootstrap), target: "leader",
			want: workflow.Binding{ChatID: staffBootstrap, Purpose: workflow.BindLeader}},
		{name: "triage in a private chat", by: private(staffAdmin), target: "triage", wantErr: workflow.ErrGroupOnly},
		{name: "a direction in a private chat", by: private(staffAdmin), target: "economy", wantErr: workflow.ErrGroupOnly},
		{name: "a direction in a group", by: group(staffAdmin, -600), target: "economy",
			want: workflow.Binding{ChatID: -600, Purpose: workflow.BindDirection, Direction: "economy"}},
		{name: "a direction in a forum topic", by: workflow.Caller{UserID: staffBootstrap, ChatID: -601, ThreadID: 7}, target: "politics",
			want: workflow.Binding{ChatID: -601, ThreadID: 7, Purpose: workflow.BindDirection, Direction: "politics"}},
		{name: "triage moves to another group", by: group(staffAdmin, -602), target: "triage",
			want: workflow.Binding{ChatID: -602, Purpose: workflow.BindTriage}},
		{name: "a bound group bound anew", by: group(staffAdmin, -600), target: "housing",
			want: workflow.Binding{ChatID: -600, Purpose: workflow.BindDirection, Direction: "housing"}},
		{name: "an unknown code", by: group(staffAdmin, -603), target: "nowhere", wantErr: workflow.ErrUnknownTarget},
		{name: "an inactive direction", by: group(staffAdmin, -603), target: "property", wantErr: workflow.ErrUnknownTarget},
		{name: "an unknown code in a private chat", by: private(staffAdmin), target: "nowhere", wantErr: workflow.ErrUnknownTarget},
	}
	for _, c := range cases {
		before := f.staffState(t)
		got, _, err := f.staff.Bind(ctx, c.by, c.target)
		if c.wantErr != nil {
			if !errors.Is(err, c.wantErr) || workflow.ErrorCode(err) != workflow.EInvalid {
				t.Errorf("%s: %v, want %v", c.name, err, c.wantErr)
			}
			if after := f.staffState(t); after != before {
				t.Errorf("%s was refused but changed %s to %s", c.name, before, after)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		c.want.BoundBy, c.want.BoundAt = c.by.UserID, f.now
		if got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
		stored, err := f.db.FindBinding(ctx, c.by.ChatID, c.by.ThreadID)
		if err != nil || stored.Purpose != c.want.Purpose || stored.Direction != c.want.Direction {
			t.Errorf("%s: stored %+v (%v)", c.name, stored, err)
		}
		act := f.lastAction(t)
		wantAct := workflow.StaffAction{ActorID: c.by.UserID, Role: workflow.RoleAdmin, Action: workflow.ActionBind,
			ChatID: c.by.ChatID, Details: c.target}
		if act != wantAct {
			t.Errorf("%s: audit %+v, want %+v", c.name, act, wantAct)
		}
	}
	// One chat per purpose, one purpose per chat: housing left -100 for
	// -600 (which gave up economy), triage left -300 for -602.
	list, err := f.db.FindBindings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range list {
		got = append(got, fmt.Sprintf("%d/%d:%s%s", b.ChatID, b.ThreadID, b.Purpose, b.Direction))
	}
	want := fmt.Sprint([]string{"-602/0:triage", fmt.Sprintf("%d/0:leader", staffBootstrap), fmt.Sprintf("%d/0:head", staffAdmin),
		"-601/7:directionpolitics", "-200/0:directionsocial", "-600/0:directionhousing"})
	if fmt.Sprint(got) != want {
		t.Errorf("bindings %v, want %v", got, want)
	}
}

// TestBindAttachesQueuedCards: a chat bound to a purpose gets the cards
// queued for it while no chat had it, and nothing else.
func TestBindAttachesQueuedCards(t *testing.T) {
	t.Parallel()
	f := newStaffFixture(t)
	ctx := context.Background()
	// Economy has no chat: its card waits in the outbox.
	a := f.submit(t, "economy")
	queue := func(aud workflow.Audience, direction string, sent bool) int64 {
		t.Helper()
		payload, err := json.Marshal(workflow.Notification{Audience: aud, Direction: direction, Event: workflow.EventRoute})
		if err != nil {
			t.Fatal(err)
		}
		var id int64
		err = f.db.Pool().QueryRow(ctx, `
			INSERT INTO outbox (kind, payload, sent_at) VALUES ($1, $2, CASE WHEN $3 THEN now() END) RETURNING id`,
			aud, payload, sent).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	economyCard := queue(workflow.AudienceCard, "economy", false)
	queue(workflow.AudienceCard, "economy", true)  // sent already
	queue(workflow.AudienceChat, "economy", false) // not a card
	queue(workflow.AudienceCard, "social", false)  // another direction
	triageCard := queue(workflow.AudienceCard, "", false)

	chatOf := func(where string, args ...any) map[int64]string {
		t.Helper()
		rows, err := f.db.Pool().Query(ctx, `SELECT id, coalesce(chat_id || '/' || thread_id, '') FROM outbox WHERE `+where+` ORDER BY id`, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[int64]string{}
		for rows.Next() {
			var id int64
			var chat string
			if err := rows.Scan(&id, &chat); err != nil {
				t.Fatal(err)
			}
			out[id] = chat
		}
		return out
	}
	var submitted int64
	for id := range chatOf(`appeal_id = $1 AND chat_id IS NULL`, a.ID) {
		submitted = id
	}
	if submitted == 0 {
		t.Fatal("the economy card of the submitted appeal is not queued")
	}
	unattached := chatOf(`chat_id IS NULL`)

	steps := []struct {
		by     workflow.Caller
		target string
		want   []int64 // the messages given to the chat
	}{
		{private(staffAdmin), "head", nil},
		{workflow.Caller{UserID: staffAdmin, ChatID: -700, ThreadID: 3}, "economy", []int64{submitted, economyCard}},
		{group(staffAdmin, -701), "triage", []int64{triageCard}},
		{group(staffAdmin, -702), "economy", nil}, // nothing left
	}
	for _, s := range steps {
		_, n, err := f.staff.Bind(ctx, s.by, s.target)
		if err != nil {
			t.Fatalf("bind %s: %v", s.target, err)
		}
		if n != len(s.want) {
			t.Errorf("bind %s attached %d, want %d", s.target, n, len(s.want))
		}
		now := chatOf(`true`)
		for _, id := range s.want {
			if want := fmt.Sprintf("%d/%d", s.by.ChatID, s.by.ThreadID); now[id] != want {
				t.Errorf("bind %s: message %d in %q, want %q", s.target, id, now[id], want)
			}
			delete(unattached, id)
		}
	}
	for id := range unattached {
		if chat := chatOf(`id = $1`, id)[id]; chat != "" {
			t.Errorf("message %d was given to chat %s", id, chat)
		}
	}
}

func TestBindingReceives(t *testing.T) {
	card := func(dir string) workflow.Notification {
		return workflow.Notification{Audience: workflow.AudienceCard, Direction: dir}
	}
	cases := []struct {
		b    workflow.Binding
		n    workflow.Notification
		want bool
	}{
		{workflow.Binding{Purpose: workflow.BindDirection, Direction: "housing"}, card("housing"), true},
		{workflow.Binding{Purpose: workflow.BindDirection, Direction: "housing"}, card("social"), false},
		{workflow.Binding{Purpose: workflow.BindDirection, Direction: "housing"}, card(""), false},
		{workflow.Binding{Purpose: workflow.BindDirection, Direction: "housing"},
			workflow.Notification{Audience: workflow.AudienceChat, Direction: "housing"}, false},
		{workflow.Binding{Purpose: workflow.BindTriage}, card(""), true},
		{workflow.Binding{Purpose: workflow.BindTriage}, card("housing"), false},
		{workflow.Binding{Purpose: workflow.BindTriage}, workflow.Notification{Audience: workflow.AudienceResident}, false},
		{workflow.Binding{Purpose: workflow.BindHead}, card(""), false},
		// An incident's card made while its direction had no chat.
		{workflow.Binding{Purpose: workflow.BindDirection, Direction: "housing"},
			workflow.Notification{Audience: workflow.AudienceIncidentCard, IncidentID: 1, Direction: "housing"}, true},
		{workflow.Binding{Purpose: workflow.BindDirection, Direction: "social"},
			workflow.Notification{Audience: workflow.AudienceIncidentCard, IncidentID: 1, Direction: "housing"}, false},
		{workflow.Binding{Purpose: workflow.BindTriage},
			workflow.Notification{Audience: workflow.AudienceIncidentCard, IncidentID: 1, Direction: ""}, false},
	}
	for _, c := range cases {
		if got := c.b.Receives(c.n); got != c.want {
			t.Errorf("%s %s receives %s %q: %v, want %v", c.b.Purpose, c.b.Direction, c.n.Audience, c.n.Direction, got, c.want)
		}
	}
}

func TestUnbind(t *testing.T) {
	t.Parallel()
	f := newStaffFixture(t)
	ctx := context.Background()
	b, err := f.staff.Unbind(ctx, group(staffAdmin, -100))
	if err != nil {
		t.Fatal(err)
	}
	if b.ChatID != -100 || b.Purpose != workflow.BindDirection || b.Direction != "housing" {
		t.Errorf("unbound %+v, want housing of -100", b)
	}
	want := workflow.StaffAction{ActorID: staffAdmin, Role: workflow.RoleAdmin, Action: workflow.ActionUnbind, ChatID: -100, Details: "housing"}
	if act := f.lastAction(t); act != want {
		t.Errorf("audit %+v, want %+v", act, want)
	}
	before := f.staffState(t)
	if _, err := f.staff.Unbind(ctx, group(staffAdmin, -100)); workflow.ErrorCode(err) != workflow.ENotFound {
		t.Errorf("unbind a chat not bound: %v, want not found", err)
	}
	// A topic is bound apart from its chat.
	if _, err := f.staff.Unbind(ctx, workflow.Caller{UserID: staffAdmin, ChatID: -200, ThreadID: 5}); workflow.ErrorCode(err) != workflow.ENotFound {
		t.Errorf("unbind a topic not bound: %v, want not found", err)
	}
	if after := f.staffState(t); after != before {
		t.Errorf("refused unbinds changed %s to %s", before, after)
	}
}

func TestRevoke(t *testing.T) {
	t.Parallel()
	f := newStaffFixture(t)
	ctx := context.Background()
	housing := workflow.Grant{Role: workflow.RoleCurator, Direction: "housing"}
	for _, g := range []workflow.Grant{
		{Role: workflow.RoleCurator, Direction: "social"}, // not held
		{Role: workflow.RoleCurator},                      // not held without a direction
		{Role: workflow.RoleExecutor, Direction: "housing"},
		{Role: "boss"},
	} {
		before := f.staffState(t)
		if err := f.staff.Revoke(ctx, private(staffAdmin), staffCurator, g); workflow.ErrorCode(err) != workflow.ENotFound {
			t.Errorf("revoke %v not held: %v, want not found", g, err)
		}
		if after := f.staffState(t); after != before {
			t.Errorf("revoking %v not held changed %s to %s", g, before, after)
		}
	}
	if err := f.staff.Revoke(ctx, group(staffBootstrap, -42), staffCurator, housing); err != nil {
		t.Fatal(err)
	}
	if gs := f.grants(t, staffCurator); len(gs) != 0 {
		t.Errorf("after revoke: %v", gs)
	}
	want := workflow.StaffAction{ActorID: staffBootstrap, Role: workflow.RoleAdmin, Action: workflow.ActionRevoke,
		ChatID: -42, Details: fmt.Sprintf("curator housing of %d", staffCurator)}
	if act := f.lastAction(t); act != want {
		t.Errorf("audit %+v, want %+v", act, want)
	}
	if err := f.staff.Revoke(ctx, private(staffAdmin), staffCurator, housing); workflow.ErrorCode(err) != workflow.ENotFound {
		t.Errorf("revoke again: %v, want not found", err)
	}
}

func TestListStaff(t *testing.T) {
	t.Parallel()
	f := newStaffFixture(t)
	list, err := f.staff.ListStaff(context.Background(), private(staffBootstrap))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(list.Admins) != fmt.Sprint([]int64{staffBootstrap}) {
		t.Errorf("bootstrap admins %v", list.Admins)
	}
	var names []string
	for _, m := range list.Members {
		names = append(names, fmt.Sprintf("%s %d %v", m.Name, m.UserID, m.Grants))
	}
	want := fmt.Sprint([]string{"Админ 3001 [{admin }]", "Все роли 2001 [{admin } {curator housing} {executor housing} {operator }]",
		"Куратор 3003 [{curator housing}]"})
	if fmt.Sprint(names) != want {
		t.Errorf("staff %v, want %v", names, want)
	}
}

// TestAcceptInviteBindsHeadChat: a head who accepts an invitation while
// no chat is bound to head gets the digest in the private chat; a second
// head, a head chat an admin chose, a private chat bound to something
// else, or another role leave the bindings alone.
func TestAcceptInviteBindsHeadChat(t *testing.T) {
	t.Parallel()
	f := newStaffFixture(t)
	ctx := context.Background()
	accept := func(role workflow.Role, user int64) workflow.Accepted {
		t.Helper()
		inv, err := f.staff.Invite(ctx, private(staffAdmin), workflow.Grant{Role: role})
		if err != nil {
			t.Fatal(err)
		}
		acc, err := f.staff.AcceptInvite(ctx, inv.Code, user, "Глава")
		if err != nil {
			t.Fatal(err)
		}
		return acc
	}
	// bindings lists the chats of head and leader (the fixture binds
	// directions and triage).
	bindings := func() string {
		t.Helper()
		list, err := f.db.FindBindings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, b := range list {
			if b.Purpose == workflow.BindHead || b.Purpose == workflow.BindLeader {
				out = append(out, fmt.Sprintf("%d:%s by %d", b.ChatID, b.Purpose, b.BoundBy))
			}
		}
		return fmt.Sprint(out)
	}

	if acc := accept(workflow.RoleLeader, 3601); acc.HeadChat || bindings() != "[]" {
		t.Errorf("a leader's invitation bound %v: %s", acc.HeadChat, bindings())
	}
	acc := accept(workflow.RoleHead, 3602)
	if !acc.HeadChat || acc.Role != workflow.RoleHead || acc.UsedBy != 3602 {
		t.Errorf("the first head: %+v", acc)
	}
	if got := bindings(); got != "[3602:head by 3602]" {
		t.Errorf("after the first head: %s", got)
	}
	act := f.lastAction(t)
	if want := (workflow.StaffAction{ActorID: 3602, Role: workflow.RoleHead, Action: workflow.ActionBind, ChatID: 3602, Details: "head"}); act != want {
		t.Errorf("audit %+v, want %+v", act, want)
	}
	if acc := accept(workflow.RoleHead, 3603); acc.HeadChat || bindings() != "[3602:head by 3602]" {
		t.Errorf("a second head bound %v: %s", acc.HeadChat, bindings())
	}

	// An admin moved the digest to a group: a new head does not take it.
	if _, _, err := f.staff.Bind(ctx, group(staffAdmin, -700), "head"); err != nil {
		t.Fatal(err)
	}
	if acc := accept(workflow.RoleHead, 3604); acc.HeadChat || bindings() != fmt.Sprintf("[-700:head by %d]", staffAdmin) {
		t.Errorf("a head with a head group bound %v: %s", acc.HeadChat, bindings())
	}

	// No head chat, but the head's private chat has the leader's copy.
	if _, err := f.staff.Unbind(ctx, group(staffAdmin, -700)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.staff.Bind(ctx, private(3605), "leader"); err == nil {
		t.Fatal("a non-admin bound a chat")
	}
	dbtest.Exec(t, f.db, `INSERT INTO chat_bindings (chat_id, purpose, bound_by) VALUES (3605, 'leader', 0)`)
	if acc := accept(workflow.RoleHead, 3605); acc.HeadChat || bindings() != "[3605:leader by 0]" {
		t.Errorf("a head whose chat is the leader's bound %v: %s", acc.HeadChat, bindings())
	}
}
