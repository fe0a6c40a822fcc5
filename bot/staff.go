package bot

import (
	"context"
	"fmt"
	"html"
	"strings"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/outbox"
	"mcu/render"
	"mcu/tgstate"
	"mcu/workflow"
)

// StaffStore is what the staff's side of the bot reads and writes besides
// the workflow.
type StaffStore interface {
	// StaffStore gives workflow.StaffService, which decides invitations,
	// bindings and roles, its transactions; it also finds the roles of a
	// staff member held in the database (bootstrap admins are added by
	// the workflow) and every staff member with their roles.
	workflow.StaffStore
	// SummaryStore re-posts a card (staff_summary.go).
	SummaryStore
	// EnqueuePrepared queues a prepared message (a digest, a report) for
	// a chat.
	EnqueuePrepared(ctx context.Context, to outbox.Recipient, p outbox.Prepared) (int64, error)
	// FindStaffNames returns staff names by Telegram id.
	FindStaffNames(ctx context.Context) (map[int64]string, error)
	// RecordStaffAction appends to the staff audit trail.
	RecordStaffAction(ctx context.Context, act workflow.StaffAction) error
	// FindStaffActions returns the staff actions about an appeal.
	FindStaffActions(ctx context.Context, appealID int64) ([]workflow.StaffAction, error)

	// FindBinding returns the binding of a chat or topic, or not found.
	FindBinding(ctx context.Context, chatID int64, threadID int) (workflow.Binding, error)
	// FindBindings returns every binding.
	FindBindings(ctx context.Context) ([]workflow.Binding, error)
	// MigrateChat moves a group's bindings, cards, queued messages and
	// dialogs to its supergroup; it reports whether the group was bound.
	MigrateChat(ctx context.Context, from, to int64, act workflow.StaffAction) (bool, error)

	// FindDialog returns the dialog of a user in a chat, or not found.
	FindDialog(ctx context.Context, userID, chatID int64) (*tgstate.Dialog, error)
	// SaveDialog creates or replaces a dialog.
	SaveDialog(ctx context.Context, d *tgstate.Dialog) error
	// DeleteDialog ends a dialog.
	DeleteDialog(ctx context.Context, userID, chatID int64) error

	// FindAppealByNumber returns the appeal with a registration number.
	FindAppealByNumber(ctx context.Context, number string) (*workflow.Appeal, error)
	// FindAllDirections returns every direction, those turned off too.
	FindAllDirections(ctx context.Context) ([]workflow.Direction, error)
	// FindDeadlineSettings returns every deadline rule.
	FindDeadlineSettings(ctx context.Context) ([]workflow.DeadlineSetting, error)
	// ForgetAppealContent erases an appeal registered for somebody
	// without Telegram, with its contact; not found when erased already.
	ForgetAppealContent(ctx context.Context, appealID int64, now time.Time) error
	// FindAppealEvents returns the audit trail of an appeal.
	FindAppealEvents(ctx context.Context, appealID int64) ([]workflow.AuditEvent, error)
	// FindCard returns an appeal by number with what its card shows, or
	// not found.
	FindCard(ctx context.Context, number string) (outbox.Message, error)
	// IncidentStore reads incidents (staff_incident.go).
	IncidentStore
}

// staffHandlers are the handlers of staff chats, by endpoint.
func (b *Bot) staffHandlers() map[string]tele.HandlerFunc {
	h := map[string]tele.HandlerFunc{
		"/bind":                        b.adminOnly(b.onBind),
		"/unbind":                      b.adminOnly(b.onUnbind),
		"/bindings":                    b.onBindings,
		"/invite":                      b.adminOnly(b.onInvite),
		"/staff":                       b.adminOnly(b.onStaff),
		"/revoke":                      b.adminOnly(b.onRevoke),
		"/forget":                      b.adminOnly(b.onStaffForget),
		"/directions":                  b.adminOnly(b.onDirections),
		"/direction":                   b.adminOnly(b.onDirection),
		"/deadline":                    b.adminOnly(b.onDeadline),
		"/register":                    b.onRegister,
		"/history":                     b.onHistory,
		"/digest":                      b.onDigest,
		"/report":                      b.onReport,
		"/cancel":                      b.onStaffCancel,
		"/announce":                    b.onAnnounce,
		tele.OnText:                    b.onStaffReply,
		tele.OnPhoto:                   b.onStaffReply,
		tele.OnMigration:               b.onMigration,
		"\f" + render.UniqueFull:       b.onFull,
		"\f" + uniqueRevoke:            b.adminOnly(b.onRevokePress),
		"\f" + uniqueReason:            b.onReasonPress,
		"\f" + uniqueDirTo:             b.onDirectionPress,
		"\f" + uniqueComment:           b.onCommentPress,
		"\f" + uniqueMenuExit:          b.onMenuClose,
		"\f" + uniqueRegister:          b.onRegisterPress,
		"\f" + uniqueDraftSend:         b.onDraftSend,
		"\f" + uniqueExtendBy:          b.onExtendPress,
		"\f" + render.UniqueDigestCard: b.onDigestCard,
		"\f" + render.UniqueCardPost:   b.onCardPost,
	}
	for _, ev := range render.CardEvents() {
		h["\f"+string(ev)] = b.onCardButton(ev)
	}
	h["\f"+render.UniqueShowCard] = b.onShowCard // staff_summary.go
	for _, u := range []string{uniqueAnnNoPhoto, uniqueAnnAudience, uniqueAnnDir, uniqueAnnDays, uniqueAnnIncident, uniqueAnnWhen, uniqueAnnSubmit, uniqueAnnCancel} {
		h["\f"+u] = b.onAnnouncePress(u) // staff_announce.go
	}
	b.incidentHandlers(h) // staff_incident.go
	h["\f"+uniqueAnnApprove] = b.onAnnounceApprove
	h["\f"+uniqueAnnReturn] = b.onAnnounceReturn
	return h
}

// grants returns the roles of a user, bootstrap admins included.
func (b *Bot) grants(ctx context.Context, userID int64) ([]workflow.Grant, error) {
	return b.opts.Service.Grants(ctx, b.opts.Store, userID)
}

// callerOf is who sent the update and where, as the staff service takes it.
func callerOf(c tele.Context) workflow.Caller {
	return workflow.Caller{
		UserID: c.Sender().ID, ChatID: c.Chat().ID, ThreadID: threadOf(c.Message()),
		Private: c.Chat().Type == tele.ChatPrivate,
	}
}

// adminOnly wraps a handler of a command that only admins may use: the
// staff service decides, and anyone it refuses gets «Недостаточно прав.»
// before the command's arguments are read. The service checks again when
// the handler calls it.
func (b *Bot) adminOnly(h tele.HandlerFunc) tele.HandlerFunc {
	return func(c tele.Context) error {
		err := b.opts.Staff.CheckAdmin(contextOf(c), c.Sender().ID)
		if workflow.ErrorCode(err) == workflow.EForbidden {
			return refuse(c)
		}
		if err != nil {
			return err
		}
		return h(c)
	}
}

// refuse answers «Недостаточно прав.» (as a callback answer for a button).
func refuse(c tele.Context) error {
	if c.Callback() != nil {
		return respond(c, render.TextForbidden)
	}
	return reply(c, render.TextForbidden)
}

// roleOf returns the first of roles the user holds (in any direction),
// or "" when none.
func (b *Bot) roleOf(ctx context.Context, userID int64, roles ...workflow.Role) (workflow.Role, error) {
	gs, err := b.grants(ctx, userID)
	if err != nil {
		return "", err
	}
	for _, r := range roles {
		for _, g := range gs {
			if g.Role == r {
				return r, nil
			}
		}
	}
	return "", nil
}

// anyStaffRole returns a role the user holds, preferring admin, or "".
func (b *Bot) anyStaffRole(ctx context.Context, userID int64) (workflow.Role, error) {
	return b.roleOf(ctx, userID, workflow.Roles()...)
}

// now returns the bot's clock.
func (b *Bot) now() time.Time { return b.opts.Now() }

// threadOf returns the forum topic a message is in, 0 outside topics.
func threadOf(m *tele.Message) int {
	if m == nil || !m.TopicMessage {
		return 0
	}
	return m.ThreadID
}

// reply answers a command in its chat (and topic).
func reply(c tele.Context, text string, opts ...interface{}) error {
	if c.Message() == nil {
		return c.Send(text, opts...)
	}
	return c.Reply(text, opts...)
}

// mention is an HTML mention of the sender, for prompts with a selective
// force reply.
func mention(u *tele.User) string {
	name := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if name == "" {
		name = render.TextColleague
	}
	return fmt.Sprintf(`<a href="tg://user?id=%d">%s</a>`, u.ID, html.EscapeString(name))
}

// userName is how staff lists name a user.
func userName(u *tele.User) string {
	name := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if name == "" && u.Username != "" {
		name = "@" + u.Username
	}
	return name
}

// grantText names a role with its direction: «исполнитель (ЖКХ)».
func grantText(g workflow.Grant, directions map[string]string) string {
	s := render.RoleName(g.Role)
	if g.Direction != "" {
		s += " (" + render.DirectionName(g.Direction, directions) + ")"
	}
	return s
}

// directionCodes lists the active direction codes, comma-separated.
func (b *Bot) directionCodes(ctx context.Context) (string, map[string]string, error) {
	list, err := b.opts.Store.FindDirections(ctx)
	if err != nil {
		return "", nil, err
	}
	codes := make([]string, len(list))
	names := make(map[string]string, len(list))
	for i, d := range list {
		codes[i] = d.Code
		names[d.Code] = d.Name
	}
	return strings.Join(codes, ", "), names, nil
}

// onStaffCancel ends the sender's staff dialog in this chat.
func (b *Bot) onStaffCancel(c tele.Context) error {
	ctx := contextOf(c)
	if _, err := b.opts.Store.FindDialog(ctx, c.Sender().ID, c.Chat().ID); err != nil {
		if workflow.ErrorCode(err) != workflow.ENotFound {
			return err
		}
		// Nothing to cancel: say so to staff; a resident's command in a
		// group is ignored silently.
		grants, err := b.grants(ctx, c.Sender().ID)
		if err != nil || len(grants) == 0 {
			return err
		}
		return reply(c, render.TextNothingToCancel)
	}
	if err := b.opts.Store.DeleteDialog(ctx, c.Sender().ID, c.Chat().ID); err != nil {
		return err
	}
	return reply(c, render.TextCancelled)
}
