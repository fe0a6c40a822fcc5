package bot

import (
	"errors"
	"fmt"
	"strings"

	tele "gopkg.in/telebot.v3"

	"mcu/render"
	"mcu/workflow"
)

// uniqueRevoke is the callback of a /revoke choice: "<user id>|<role>|<direction>".
const uniqueRevoke = "revoke"

// onInvite creates a one-time invitation link: /invite <role> [<direction>].
// Admins only.
func (b *Bot) onInvite(c tele.Context) error {
	ctx := contextOf(c)
	codes, names, err := b.directionCodes(ctx)
	if err != nil {
		return err
	}
	args := c.Args()
	usage := fmt.Sprintf(render.TextInviteUsage, codes)
	if len(args) < 1 || len(args) > 2 {
		return reply(c, usage)
	}
	g := workflow.Grant{Role: workflow.Role(strings.ToLower(args[0]))}
	if len(args) == 2 {
		g.Direction = strings.ToLower(args[1])
	}
	inv, err := b.opts.Staff.Invite(ctx, callerOf(c), g)
	switch workflow.ErrorCode(err) {
	case "":
	case workflow.EInvalid:
		return reply(c, usage)
	case workflow.EForbidden:
		return refuse(c)
	default:
		return err
	}
	link := fmt.Sprintf("https://t.me/%s?start=%s", b.Username(), inv.Code)
	return reply(c, fmt.Sprintf(render.TextInviteCreated, grantText(g, names), render.FormatDate(inv.ExpiresAt, b.opts.Location), link),
		&tele.SendOptions{DisableWebPagePreview: true})
}

// startStaff answers /start with an invitation code: it grants the role
// (a head's private chat may be bound to head with it, see
// workflow.StaffService.AcceptInvite) and tells the admin who invited.
func (b *Bot) startStaff(c tele.Context, code string) error {
	ctx := contextOf(c)
	u := c.Sender()
	inv, err := b.opts.Staff.AcceptInvite(ctx, code, u.ID, userName(u))
	switch {
	case errors.Is(err, workflow.ErrInviteUsed):
		return c.Send(render.TextInviteUsed)
	case errors.Is(err, workflow.ErrInviteExpired):
		return c.Send(render.TextInviteExpired)
	case workflow.ErrorCode(err) == workflow.ENotFound:
		return c.Send(render.TextInviteNotFound)
	case err != nil:
		return err
	}
	dirs, err := b.Directions(ctx)
	if err != nil {
		return err
	}
	g := workflow.Grant{Role: inv.Role, Direction: inv.Direction}
	if err := b.sendTo(c, &tele.Chat{ID: inv.CreatedBy}, fmt.Sprintf(render.TextInviteUsedBy, render.NameOr(userName(u), u.ID), grantText(g, dirs))); err != nil {
		// The admin may never have opened a private chat with the bot.
		b.logger.WarnContext(ctx, "unable to tell the admin about a used invite", "admin_id", inv.CreatedBy, "error", err)
	}
	text := fmt.Sprintf(render.TextInviteAccepted, grantText(g, dirs))
	if inv.HeadChat {
		text += "\n" + render.TextHeadChatBound
	}
	return c.Send(text)
}

// onStaff lists staff with their roles. Admins only.
func (b *Bot) onStaff(c tele.Context) error {
	staff, dirs, ok, err := b.listStaff(c)
	if !ok || err != nil {
		return err
	}
	lines := []string{render.TextStaffTitle}
	for _, id := range staff.Admins {
		lines = append(lines, fmt.Sprintf("• id %d — %s", id, render.TextBootstrapAdmin))
	}
	for _, s := range staff.Members {
		roles := make([]string, len(s.Grants))
		for i, g := range s.Grants {
			roles[i] = grantText(g, dirs)
		}
		lines = append(lines, fmt.Sprintf("• %s (id %d) — %s", render.NameOr(s.Name, s.UserID), s.UserID, strings.Join(roles, ", ")))
	}
	if len(lines) == 1 {
		return reply(c, render.TextNoStaff)
	}
	return reply(c, strings.Join(lines, "\n"))
}

// onRevoke offers a button per role held, to take it away. Admins only.
func (b *Bot) onRevoke(c tele.Context) error {
	staff, dirs, ok, err := b.listStaff(c)
	if !ok || err != nil {
		return err
	}
	markup := &tele.ReplyMarkup{}
	for _, s := range staff.Members {
		for _, g := range s.Grants {
			data := fmt.Sprintf("%d|%s|%s", s.UserID, g.Role, g.Direction)
			markup.InlineKeyboard = append(markup.InlineKeyboard, []tele.InlineButton{{
				Unique: uniqueRevoke, Data: data,
				Text: fmt.Sprintf("%s — %s", render.NameOr(s.Name, s.UserID), grantText(g, dirs)),
			}})
		}
	}
	if len(markup.InlineKeyboard) == 0 {
		return reply(c, render.TextRevokeNone)
	}
	markup.InlineKeyboard = append(markup.InlineKeyboard, []tele.InlineButton{{Unique: uniqueMenuExit, Text: render.LabelCancel}})
	return reply(c, render.TextRevokeChoose, markup)
}

// onRevokePress takes the chosen role away; the staff service checks
// again that the presser is an admin.
func (b *Bot) onRevokePress(c tele.Context) error {
	ctx := contextOf(c)
	args := c.Args()
	if len(args) != 3 {
		return respond(c, render.TextInvalid)
	}
	userID, ok := parseID(args[0])
	if !ok {
		return respond(c, render.TextInvalid)
	}
	g := workflow.Grant{Role: workflow.Role(args[1]), Direction: args[2]}
	names, err := b.opts.Store.FindStaffNames(ctx)
	if err != nil {
		return err
	}
	if err := b.opts.Staff.Revoke(ctx, callerOf(c), userID, g); err != nil {
		return respond(c, b.answer(ctx, err))
	}
	dirs, err := b.Directions(ctx)
	if err != nil {
		return err
	}
	if err := c.Edit(fmt.Sprintf(render.TextRevoked, render.NameOr(names[userID], userID), grantText(g, dirs))); err != nil {
		return err
	}
	return respond(c, render.TextDone)
}

// listStaff lists the staff for an admin's command, with the directions'
// names; ok is false (and the sender told) when the sender is no admin.
func (b *Bot) listStaff(c tele.Context) (workflow.StaffList, map[string]string, bool, error) {
	ctx := contextOf(c)
	staff, err := b.opts.Staff.ListStaff(ctx, callerOf(c))
	if workflow.ErrorCode(err) == workflow.EForbidden {
		return staff, nil, false, refuse(c)
	}
	if err != nil {
		return staff, nil, false, err
	}
	dirs, err := b.Directions(ctx)
	return staff, dirs, err == nil, err
}
