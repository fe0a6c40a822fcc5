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

// onDirections answers an admin's /directions: every direction with its
// code and deadlines, and how to change them.
func (b *Bot) onDirections(c tele.Context) error {
	ctx := contextOf(c)
	dirs, err := b.opts.Store.FindAllDirections(ctx)
	if err != nil {
		return err
	}
	rules, err := b.opts.Store.FindDeadlineSettings(ctx)
	if err != nil {
		return err
	}
	return reply(c, render.DirectionsText(dirs, rules))
}

// onDirection answers an admin's /direction add|rename <code> <name> and
// /direction off|on <code>.
func (b *Bot) onDirection(c tele.Context) error {
	ctx := contextOf(c)
	args := c.Args()
	if len(args) < 2 {
		return reply(c, render.TextDirectionUsage)
	}
	op, code := args[0], args[1]
	name := strings.TrimSpace(strings.Join(args[2:], " "))
	var text string
	var err error
	switch {
	case op == "add" && name != "":
		err = b.opts.Staff.AddDirection(ctx, callerOf(c), code, name)
		text = fmt.Sprintf(render.TextDirectionAdded, name, code, code)
	case op == "rename" && name != "":
		err = b.opts.Staff.RenameDirection(ctx, callerOf(c), code, name)
		text = fmt.Sprintf(render.TextDirectionRenamed, code, name)
	case op == "on" && len(args) == 2:
		err = b.opts.Staff.SetDirectionActive(ctx, callerOf(c), code, true)
		text = fmt.Sprintf(render.TextDirectionOn, code)
	case op == "off" && len(args) == 2:
		err = b.opts.Staff.SetDirectionActive(ctx, callerOf(c), code, false)
		text = fmt.Sprintf(render.TextDirectionOff, code)
	default:
		return reply(c, render.TextDirectionUsage)
	}
	if err != nil {
		return reply(c, b.directionsRefusal(c, err, code, ""))
	}
	b.forgetDirections()
	return reply(c, text)
}

// onDeadline answers an admin's /deadline <kind> [<code>] <n> <unit> and
// /deadline <kind> <code> default.
func (b *Bot) onDeadline(c tele.Context) error {
	ctx := contextOf(c)
	args := c.Args()
	if len(args) < 2 || len(args) > 4 {
		return reply(c, render.TextDeadlineUsage)
	}
	kind := workflow.Kind(args[0])
	switch {
	case !kind.Valid():
		return reply(c, render.TextDeadlineBadKind)
	case len(args) == 2:
		return reply(c, render.TextDeadlineUsage)
	}
	if len(args) == 3 && args[2] == "default" {
		err := b.opts.Staff.DropDeadlineRule(ctx, callerOf(c), kind, args[1])
		if err != nil {
			return reply(c, b.directionsRefusal(c, err, args[1], kind))
		}
		return reply(c, fmt.Sprintf(render.TextDeadlineDropped, args[1], render.KindNameLower(kind)))
	}
	direction, amount, unit := "", args[1], args[2]
	if len(args) == 4 {
		direction, amount, unit = args[1], args[2], args[3]
	}
	n, err := strconv.Atoi(amount)
	if err != nil {
		return reply(c, render.TextDeadlineBad)
	}
	rule := workflow.DeadlineRule{Unit: unit, Amount: n}
	if err := b.opts.Staff.SetDeadlineRule(ctx, callerOf(c), kind, direction, rule); err != nil {
		return reply(c, b.directionsRefusal(c, err, direction, kind))
	}
	return reply(c, render.DeadlineSetText(kind, direction, rule))
}

// directionsRefusal says why a change of directions or deadlines was
// refused.
func (b *Bot) directionsRefusal(c tele.Context, err error, code string, kind workflow.Kind) string {
	var open *workflow.OpenAppealsError
	switch {
	case errors.As(err, &open):
		return fmt.Sprintf(render.TextDirectionHasOpen, code, open.Count)
	case errors.Is(err, workflow.ErrDirectionTaken):
		return fmt.Sprintf(render.TextDirectionTaken, code)
	case errors.Is(err, workflow.ErrNoOwnDeadline):
		return fmt.Sprintf(render.TextDeadlineNoOwn, code, render.KindNameLower(kind))
	case errors.Is(err, workflow.ErrNoDirection):
		return fmt.Sprintf(render.TextDirectionUnknown, code)
	case errors.Is(err, workflow.ErrDirectionCode):
		return render.TextDirectionBadCode
	case errors.Is(err, workflow.ErrDirectionName):
		return render.TextDirectionBadName
	case errors.Is(err, workflow.ErrDeadline59):
		return render.TextDeadline59
	case errors.Is(err, workflow.ErrDeadlineAmount):
		return render.TextDeadlineBad
	}
	return b.answer(contextOf(c), err)
}

// forgetDirections drops the cached names of directions, so that a change
// shows at once in this process (others see it within a minute).
func (b *Bot) forgetDirections() {
	b.dirMu.Lock()
	b.dirs = nil
	b.dirMu.Unlock()
}
