package bot

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	tele "gopkg.in/telebot.v3"

	"mcu/render"
	"mcu/workflow"
)

// Callbacks of the menus a card button opens. Data starts with
// "<appeal id>|<version seen>", so a choice made on a stale menu is a
// conflict like a stale card button.
const (
	uniqueReason   = "why"   // "<id>|<version>|<ret or rej>|<reason code>"
	uniqueComment  = "cmt"   // "<id>|<version>": a free comment for return
	uniqueDirTo    = "dir"   // "<id>|<version>|<route or reroute>|<direction>"
	uniqueMenuExit = "close" // closes a menu
	// "<id>": sends a draft collected from an album
	uniqueDraftSend = "draft_send"
	// "<id>|<version>|<days>": how long to extend the deadline by
	uniqueExtendBy = "ext"
)

// Events as menu data names them, to stay within 64 bytes.
var menuEvents = map[string]workflow.Event{
	"ret":     workflow.EventReturn,
	"rej":     workflow.EventReject,
	"route":   workflow.EventRoute,
	"reroute": workflow.EventReroute,
}

// onCardButton handles a card's button: an event fired at once (take,
// approve), or one that first needs a choice (a menu) or a text (a
// prompt). Data is "<appeal id>|<version>". The presser's right is checked
// at the press, whatever buttons they were shown.
func (b *Bot) onCardButton(ev workflow.Event) tele.HandlerFunc {
	return func(c tele.Context) error {
		ctx := contextOf(c)
		id, version, ok := appealArgs(c.Args())
		if !ok {
			return respond(c, render.TextInvalid)
		}
		switch ev {
		case workflow.EventTake, workflow.EventApprove:
			return b.fire(c, workflow.Command{AppealID: id, Event: ev, Actor: workflow.Staff(c.Sender().ID), Version: version})
		}
		a, err := b.check(ctx, c.Sender().ID, ev, id, version)
		if err != nil {
			return respond(c, b.pressAnswer(ctx, id, ev, err))
		}
		switch ev {
		case workflow.EventReturn:
			return b.openMenu(c, fmt.Sprintf(render.TextChooseReturn, a.Number()), reasonButtons(a, "ret", render.ReturnReasons(), true))
		case workflow.EventReject:
			return b.openMenu(c, fmt.Sprintf(render.TextChooseReject, a.Number()), reasonButtons(a, "rej", render.RejectReasons(), false))
		case workflow.EventExtend:
			return b.openMenu(c, fmt.Sprintf(render.TextChooseExtend, a.Number()), extendButtons(a))
		case workflow.EventRoute, workflow.EventReroute:
			rows, err := b.directionButtons(ctx, a, ev)
			if err != nil {
				return err
			}
			text := render.TextChooseReroute
			if ev == workflow.EventRoute {
				text = render.TextChooseRoute
			}
			return b.openMenu(c, fmt.Sprintf(text, a.Number()), rows)
		}
		return b.prompt(c, ev, a)
	}
}

// appealArg parses callback data that is an appeal's id and nothing
// else.
func appealArg(c tele.Context) (int64, bool) {
	if args := c.Args(); len(args) == 1 {
		return parseID(args[0])
	}
	return 0, false
}

// appealArgs parses "<appeal id>|<version>" at the start of callback data.
func appealArgs(args []string) (int64, int, bool) {
	if len(args) < 2 {
		return 0, 0, false
	}
	id, ok := parseID(args[0])
	version, err := strconv.Atoi(args[1])
	return id, version, ok && err == nil && version > 0
}

// check reports, without changing anything, whether user may fire ev on
// the appeal as it is now, having seen version, and returns the appeal:
// the workflow's own decision (Service.Check).
func (b *Bot) check(ctx context.Context, userID int64, ev workflow.Event, id int64, version int) (*workflow.Appeal, error) {
	return b.opts.Service.Check(ctx, workflow.Command{AppealID: id, Event: ev, Actor: workflow.Staff(userID), Version: version})
}

// fire applies a command from a button press and answers the press.
func (b *Bot) fire(c tele.Context, cmd workflow.Command) error {
	ctx := contextOf(c)
	if _, err := b.opts.Service.Apply(ctx, cmd); err != nil {
		return respond(c, b.pressAnswer(ctx, cmd.AppealID, cmd.Event, err))
	}
	return respond(c, render.TextDone)
}

// pressAnswer is the answer to a press (or a reply) for ev that failed:
// when it lost a race — a conflict, or ev no longer allowed in the state
// the appeal has reached — what happened to the appeal; otherwise the
// error's usual answer.
func (b *Bot) pressAnswer(ctx context.Context, id int64, ev workflow.Event, err error) string {
	code := workflow.ErrorCode(err)
	if code == workflow.EConflict || code == workflow.EInvalid {
		if a, ferr := b.opts.Store.FindAppeal(ctx, id); ferr == nil {
			_, allowed := workflow.Next(a.State, ev)
			if text, ok := render.ConflictText(a.State); ok && (code == workflow.EConflict || !allowed) {
				return text
			}
		}
	}
	return b.answer(ctx, err)
}

// openMenu sends a menu in reply to the card and answers the press.
func (b *Bot) openMenu(c tele.Context, text string, rows [][]tele.InlineButton) error {
	rows = append(rows, []tele.InlineButton{{Unique: uniqueMenuExit, Text: render.LabelCancel}})
	card := c.Callback().Message
	err := b.sendTo(c, card.Chat, text, &tele.SendOptions{
		ReplyTo: card, AllowWithoutReply: true, ThreadID: threadOf(card),
		ReplyMarkup: &tele.ReplyMarkup{InlineKeyboard: rows},
	})
	if err != nil {
		return err
	}
	return respond(c, "")
}

// reasonButtons lists reasons, one to a row, and «Свой комментарий»
// when comment is set.
func reasonButtons(a *workflow.Appeal, ev string, list []render.Reason, comment bool) [][]tele.InlineButton {
	prefix := fmt.Sprintf("%d|%d|%s|", a.ID, a.Version, ev)
	var rows [][]tele.InlineButton
	for _, r := range list {
		rows = append(rows, []tele.InlineButton{{Unique: uniqueReason, Text: r.Label, Data: prefix + r.Code}})
	}
	if comment {
		rows = append(rows, []tele.InlineButton{{Unique: uniqueComment, Text: render.LabelComment, Data: fmt.Sprintf("%d|%d", a.ID, a.Version)}})
	}
	return rows
}

// extendChoices are the extensions offered, in days (59-ФЗ art. 12: once,
// by up to 30 days).
var extendChoices = []int{10, 20, workflow.MaxExtensionDays}

// extendButtons offers how long to extend the deadline by.
func extendButtons(a *workflow.Appeal) [][]tele.InlineButton {
	var row []tele.InlineButton
	for _, n := range extendChoices {
		row = append(row, tele.InlineButton{Unique: uniqueExtendBy, Text: fmt.Sprintf(render.BtnExtendBy, render.Days(n)), Data: fmt.Sprintf("%d|%d|%d", a.ID, a.Version, n)})
	}
	return [][]tele.InlineButton{row}
}

// onExtendPress takes how long to extend by, then asks for the reason
// (which the resident is told): "<id>|<version>|<days>".
func (b *Bot) onExtendPress(c tele.Context) error {
	ctx := contextOf(c)
	args := c.Args()
	id, version, ok := appealArgs(args)
	if !ok || len(args) != 3 {
		return respond(c, render.TextInvalid)
	}
	n, err := strconv.Atoi(args[2])
	if err != nil || !slices.Contains(extendChoices, n) {
		return respond(c, render.TextInvalid)
	}
	a, err := b.check(ctx, c.Sender().ID, workflow.EventExtend, id, version)
	if err != nil {
		return respond(c, b.pressAnswer(ctx, id, workflow.EventExtend, err))
	}
	if err := c.Delete(); err != nil {
		b.logger.WarnContext(ctx, "unable to delete a menu", "error", err)
	}
	return b.promptFor(c, workflow.EventExtend, a, n)
}

// directionButtons lists the directions an appeal can be sent to.
func (b *Bot) directionButtons(ctx context.Context, a *workflow.Appeal, ev workflow.Event) ([][]tele.InlineButton, error) {
	list, err := b.opts.Store.FindDirections(ctx)
	if err != nil {
		return nil, err
	}
	prefix := fmt.Sprintf("%d|%d|%s|", a.ID, a.Version, ev)
	var rows [][]tele.InlineButton
	for _, d := range list {
		if d.Code != a.Direction {
			rows = append(rows, []tele.InlineButton{{Unique: uniqueDirTo, Text: d.Name, Data: prefix + d.Code}})
		}
	}
	return rows, nil
}

// onReasonPress returns or rejects with the chosen reason.
func (b *Bot) onReasonPress(c tele.Context) error {
	args := c.Args()
	id, version, ok := appealArgs(args)
	if !ok || len(args) != 4 {
		return respond(c, render.TextInvalid)
	}
	ev := menuEvents[args[2]]
	if ev != workflow.EventReturn && ev != workflow.EventReject {
		return respond(c, render.TextInvalid)
	}
	list, kind := render.ReturnReasons(), workflow.Kind("")
	if ev == workflow.EventReject {
		// The wording of a ground depends on the kind, which never changes.
		a, err := b.opts.Store.FindAppeal(contextOf(c), id)
		if err != nil {
			return respond(c, b.answer(contextOf(c), err))
		}
		list, kind = render.RejectReasons(), a.Kind
	}
	text, ok := render.FindReason(list, args[3], kind)
	if !ok {
		return respond(c, render.TextInvalid)
	}
	return b.fireFromMenu(c, workflow.Command{
		AppealID: id, Event: ev, Actor: workflow.Staff(c.Sender().ID), Version: version,
		Input: workflow.Input{Reason: text},
	})
}

// onDirectionPress routes or reroutes to the chosen direction.
func (b *Bot) onDirectionPress(c tele.Context) error {
	args := c.Args()
	id, version, ok := appealArgs(args)
	if !ok || len(args) != 4 {
		return respond(c, render.TextInvalid)
	}
	ev := menuEvents[args[2]]
	if ev != workflow.EventRoute && ev != workflow.EventReroute {
		return respond(c, render.TextInvalid)
	}
	return b.fireFromMenu(c, workflow.Command{
		AppealID: id, Event: ev, Actor: workflow.Staff(c.Sender().ID), Version: version,
		Input: workflow.Input{Direction: args[3]},
	})
}

// fireFromMenu applies a menu's choice; the menu is removed when it
// worked (the card and the chat show the result).
func (b *Bot) fireFromMenu(c tele.Context, cmd workflow.Command) error {
	ctx := contextOf(c)
	if _, err := b.opts.Service.Apply(ctx, cmd); err != nil {
		return respond(c, b.pressAnswer(ctx, cmd.AppealID, cmd.Event, err))
	}
	if err := c.Delete(); err != nil {
		b.logger.WarnContext(ctx, "unable to delete a menu", "error", err)
	}
	return respond(c, render.TextDone)
}

// onCommentPress asks for a free comment to return a draft with.
func (b *Bot) onCommentPress(c tele.Context) error {
	ctx := contextOf(c)
	id, version, ok := appealArgs(c.Args())
	if !ok {
		return respond(c, render.TextInvalid)
	}
	a, err := b.check(ctx, c.Sender().ID, workflow.EventReturn, id, version)
	if err != nil {
		return respond(c, b.pressAnswer(ctx, id, workflow.EventReturn, err))
	}
	if err := c.Delete(); err != nil {
		b.logger.WarnContext(ctx, "unable to delete a menu", "error", err)
	}
	return b.prompt(c, workflow.EventReturn, a)
}

// onMenuClose removes a menu, and ends the presser's /register when the
// menu was its step.
func (b *Bot) onMenuClose(c tele.Context) error {
	_, data, ok, err := b.loadRegister(c)
	if err != nil {
		return err
	}
	if ok {
		if ok, err = b.sentAs(contextOf(c), data.MenuRow, c.Callback().Message.ID); err != nil {
			return err
		}
	}
	if ok {
		if err := b.opts.Store.DeleteDialog(contextOf(c), c.Sender().ID, c.Chat().ID); err != nil {
			return err
		}
	}
	if err := c.Delete(); err != nil {
		return err
	}
	return respond(c, "")
}

// onFull sends the whole text of an appeal (and of a long draft or
// answer) that its card shortens. Staff only.
func (b *Bot) onFull(c tele.Context) error {
	ctx := contextOf(c)
	id, ok := appealArg(c)
	if !ok {
		return respond(c, render.TextInvalid)
	}
	role, err := b.anyStaffRole(ctx, c.Sender().ID)
	if err != nil {
		return err
	}
	if role == "" {
		return respond(c, render.TextForbidden)
	}
	a, err := b.opts.Store.FindAppeal(ctx, id)
	if err != nil {
		return respond(c, b.answer(ctx, err))
	}
	text := fmt.Sprintf(render.TextFullTitle, a.Number()) + "\n\n" + render.AppealText(a)
	switch {
	case a.Answer != "" && !a.State.Open():
		text += "\n\n" + render.TextFullAnswer + "\n" + a.Answer
	case a.Draft != "":
		text += "\n\n" + render.TextFullDraft + "\n" + a.Draft
	}
	card := c.Callback().Message
	opts := &tele.SendOptions{ReplyTo: card, AllowWithoutReply: true, ThreadID: threadOf(card), DisableWebPagePreview: true}
	for _, part := range render.SplitText(text, render.MaxMessageRunes) {
		if err := b.sendTo(c, card.Chat, part, opts); err != nil {
			return err
		}
		opts = &tele.SendOptions{ThreadID: threadOf(card), DisableWebPagePreview: true}
	}
	return respond(c, "")
}
