package bot

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	tele "gopkg.in/telebot.v3"

	"mcu/render"
	"mcu/workflow"
)

// onBind binds the chat (or the forum topic) the command was sent in:
// /bind <direction code>, /bind triage, /bind head or /bind leader.
// Admins only.
func (b *Bot) onBind(c tele.Context) error {
	ctx := contextOf(c)
	codes, names, err := b.directionCodes(ctx)
	if err != nil {
		return err
	}
	args := c.Args()
	caller := callerOf(c)
	if len(args) == 2 && strings.ToLower(args[0]) == workflow.BindChannel {
		// /bind channel <id>: the official channel, named by its id (a
		// channel sends no commands of its members).
		id, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil || id >= 0 {
			return reply(c, fmt.Sprintf(render.TextBindUsage, codes))
		}
		caller.ChatID, caller.ThreadID, caller.Private = id, 0, false
		args = args[:1]
	}
	if len(args) != 1 || (strings.ToLower(args[0]) == workflow.BindChannel && caller.ChatID == c.Chat().ID) {
		return reply(c, fmt.Sprintf(render.TextBindUsage, codes))
	}
	bnd, attached, err := b.opts.Staff.Bind(ctx, caller, strings.ToLower(args[0]))
	switch {
	case errors.Is(err, workflow.ErrUnknownTarget):
		return reply(c, fmt.Sprintf(render.TextBindUnknown, args[0], codes))
	case errors.Is(err, workflow.ErrGroupOnly):
		return reply(c, render.TextGroupOnly)
	case workflow.ErrorCode(err) == workflow.EForbidden:
		return refuse(c)
	case err != nil:
		return err
	}
	var text string
	switch bnd.Purpose {
	case workflow.BindTriage:
		text = render.TextBoundTriage
	case workflow.BindHead:
		text = render.TextBoundHead
	case workflow.BindLeader:
		text = render.TextBoundLeader
	case workflow.BindChannel:
		text = render.TextBoundChannel
	default:
		text = fmt.Sprintf(render.TextBoundDirection, names[bnd.Direction])
	}
	if attached > 0 {
		text += fmt.Sprintf(render.TextBoundQueued, attached)
	}
	return reply(c, text)
}

// onUnbind removes the binding of the chat (or topic). Admins only.
func (b *Bot) onUnbind(c tele.Context) error {
	ctx := contextOf(c)
	bnd, err := b.opts.Staff.Unbind(ctx, callerOf(c))
	switch workflow.ErrorCode(err) {
	case "":
	case workflow.ENotFound:
		return reply(c, render.TextNotBound)
	case workflow.EForbidden:
		return refuse(c)
	default:
		return err
	}
	dirs, err := b.Directions(ctx)
	if err != nil {
		return err
	}
	return reply(c, fmt.Sprintf(render.TextUnbound, bindingName(bnd, dirs)))
}

// onBindings lists the bound chats. Staff only.
func (b *Bot) onBindings(c tele.Context) error {
	ctx := contextOf(c)
	role, err := b.anyStaffRole(ctx, c.Sender().ID)
	if err != nil {
		return err
	}
	if role == "" {
		return reply(c, render.TextForbidden)
	}
	list, err := b.opts.Store.FindBindings(ctx)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return reply(c, render.TextNoBindings)
	}
	dirs, err := b.Directions(ctx)
	if err != nil {
		return err
	}
	lines := []string{render.TextBindingsTitle}
	for _, bnd := range list {
		where := b.chatTitle(bnd.ChatID)
		if bnd.ThreadID != 0 {
			where += fmt.Sprintf(render.TextTopicSuffix, bnd.ThreadID)
		}
		lines = append(lines, fmt.Sprintf(render.TextBindingLine, bindingName(bnd, dirs), where))
	}
	return reply(c, strings.Join(lines, "\n"))
}

// chatTitle names a chat by its title when Telegram tells it, by id
// otherwise.
func (b *Bot) chatTitle(id int64) string {
	chat, err := b.tg.ChatByID(id)
	if err != nil || chat.Title == "" {
		return fmt.Sprintf(render.TextChatByID, id)
	}
	return fmt.Sprintf("«%s»", chat.Title)
}

// bindingName names what a binding is for.
func bindingName(bnd workflow.Binding, dirs map[string]string) string {
	switch bnd.Purpose {
	case workflow.BindTriage:
		return render.TextTriageTarget
	case workflow.BindHead:
		return render.TextHeadTarget
	case workflow.BindLeader:
		return render.TextLeaderTarget
	case workflow.BindChannel:
		return render.TextChannelTarget
	}
	return render.DirectionName(bnd.Direction, dirs)
}

// onMigration moves a group's binding, cards and queue to the supergroup
// it was upgraded to, and says so there.
func (b *Bot) onMigration(c tele.Context) error {
	ctx := contextOf(c)
	from, to := c.Migration()
	if from == 0 || to == 0 {
		return nil
	}
	var actor int64
	if c.Sender() != nil {
		actor = c.Sender().ID
	}
	bound, err := b.opts.Store.MigrateChat(ctx, from, to, workflow.StaffAction{
		At: b.now(), ActorID: actor, Action: workflow.ActionMigrate, ChatID: to,
		Details: fmt.Sprintf("from %d", from),
	})
	if err != nil {
		return err
	}
	b.logger.InfoContext(ctx, "group migrated to a supergroup", "from_chat_id", from, "to_chat_id", to, "bound", bound)
	if !bound {
		return nil
	}
	dirs, err := b.Directions(ctx)
	if err != nil {
		return err
	}
	list, err := b.opts.Store.FindBindings(ctx)
	if err != nil {
		return err
	}
	var names []string
	for _, bnd := range list {
		if bnd.ChatID == to {
			names = append(names, bindingName(bnd, dirs))
		}
	}
	err = b.sendTo(c, &tele.Chat{ID: to}, fmt.Sprintf(render.TextMigrated, strings.Join(names, ", ")))
	return err
}
