package control

import (
	"context"
	"errors"
	"fmt"
	"time"

	"mcu/outbox"
	"mcu/render"
	"mcu/workflow"
)

// Redirects watches the appeals of 59-ФЗ that sit in triage (registered,
// no direction): one for another body must be redirected within 7 days
// of registration (59-ФЗ art. 8 p. 3). The triage chat is reminded on
// day 5 and alerted on day 7, the last day (recorded for the digest),
// each once; a run after day 7 sends the alert if it was not sent. slot
// and late change nothing.
func (c *Control) Redirects(ctx context.Context, slot time.Time, late bool) error {
	now := c.now()
	today := c.day(now)
	appeals, err := c.opts.Store.FindOpenAppeals(ctx)
	if err != nil {
		return fmt.Errorf("control: redirects: %w", err)
	}
	var errs []error
	for _, a := range appeals {
		if a.Kind != workflow.KindAppeal59 || a.Direction != "" || a.State != workflow.StateRegistered || a.RegisteredAt.IsZero() {
			continue
		}
		registered := c.day(a.RegisteredAt)
		last := registered.AddDate(0, 0, RedirectLastDay)
		var threshold, text string
		switch {
		case !today.Before(last):
			threshold, text = ThresholdRedirectEscalate, render.RedirectEscalation(a, last, c.opts.Location, now)
		case !today.Before(registered.AddDate(0, 0, RedirectRemindDay)):
			threshold, text = ThresholdRedirectRemind, render.RedirectReminder(a, last, c.opts.Location)
		default:
			continue
		}
		msg := outbox.Prepared{Text: text, Buttons: showCard(a)}
		if err := c.alert(ctx, a, threshold, workflow.EndOfDay(last), now, []letter{{to: chatOf(""), msg: msg}}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
