package participant

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/lspshare/lspshare/wire"
)

// Errors of commands are shown to the person at the editor: they say what to
// do, not what went wrong inside.

// commands are the workspace/executeCommand commands the proxy answers for
// the participant (docs/protocol.md). A new command is an entry here.
var commands = map[string]func(p *Participant, ctx context.Context, args []json.RawMessage) (any, error){
	"lspshare.status":   (*Participant).cmdStatus,
	"lspshare.follow":   (*Participant).cmdFollow,
	"lspshare.unfollow": (*Participant).cmdUnfollow,
	"lspshare.jump":     (*Participant).cmdJump,
	"lspshare.drive":    (*Participant).cmdDrive,
	"lspshare.pass":     (*Participant).cmdPass,
	"lspshare.join":     (*Participant).cmdJoin,
	"lspshare.leave":    (*Participant).cmdLeave,
	"lspshare.hand":     (*Participant).cmdHand,
	"lspshare.summon":   (*Participant).cmdSummon,
	"lspshare.note":     (*Participant).cmdNote,
	"lspshare.reply":    (*Participant).cmdReply,
	"lspshare.resolve":  (*Participant).cmdResolve,
}

// locateTimeout bounds the hub's answer to "where is NAME?".
const locateTimeout = 3 * time.Second

// stateNow runs fn on Run's goroutine and answers the state after it.
func (p *Participant) stateNow(ctx context.Context, fn func() error) (any, error) {
	var st State
	var ferr error
	if err := p.do(ctx, func() {
		if fn != nil {
			ferr = fn()
		}
		st = p.state
		st.Participants = append([]Entry(nil), p.state.Participants...)
		p.stateAnswered = p.stateTold
	}); err != nil {
		return nil, err
	}
	if ferr != nil {
		return nil, ferr
	}
	return st, nil
}

func (p *Participant) cmdStatus(ctx context.Context, _ []json.RawMessage) (any, error) {
	return p.stateNow(ctx, nil)
}

func (p *Participant) joined() error {
	if p.hubConn == nil {
		return fmt.Errorf("not in a session: join one with %s and a link from `lspshare new`", p.editorInfo.Command("join"))
	}
	return nil
}

func (p *Participant) cmdFollow(ctx context.Context, _ []json.RawMessage) (any, error) {
	return p.stateNow(ctx, func() error {
		if err := p.joined(); err != nil {
			return err
		}
		p.setFollowing(true)
		p.state.Paused = false
		p.publishState()
		if p.navigatorAt != nil {
			if uri, r, ok := p.local(p.navigatorAt.To); ok {
				p.show(uri, r)
			}
		}
		return nil
	})
}

func (p *Participant) cmdUnfollow(ctx context.Context, _ []json.RawMessage) (any, error) {
	return p.stateNow(ctx, func() error {
		if err := p.joined(); err != nil {
			return err
		}
		p.setFollowing(false)
		p.state.Paused = false
		p.publishState()
		return nil
	})
}

// cmdJump goes once to a participant's place (default: the navigator's)
// without following.
func (p *Participant) cmdJump(ctx context.Context, args []json.RawMessage) (any, error) {
	name, err := stringArg(args, false)
	if err != nil {
		return nil, err
	}
	var answer chan wire.Frame
	var navigatorPlace json.RawMessage
	if err := p.do(ctx, func() {
		if p.hubConn == nil {
			return
		}
		if name == "" || name == p.state.Navigator {
			if p.navigatorAt != nil {
				navigatorPlace = p.navigatorAt.To
			}
			return
		}
		p.nextRef++
		ref := "locate:" + strconv.Itoa(p.nextRef)
		answer = make(chan wire.Frame, 1)
		p.locates[ref] = answer
		p.hubConn.Send(wire.Frame{Type: wire.TypeLocate, Ref: ref, Name: name})
	}); err != nil {
		return nil, err
	}
	if answer != nil {
		navigatorPlace, err = p.awaitLocate(ctx, name, answer)
		if err != nil {
			return nil, err
		}
	}
	if navigatorPlace == nil {
		return nil, fmt.Errorf("nowhere to jump yet: %s has not moved since you joined", orWheel(name))
	}
	return p.stateNow(ctx, func() error {
		uri, r, ok := p.local(navigatorPlace)
		if !ok {
			return fmt.Errorf("%s's place is not in your checkout", orWheel(name))
		}
		p.show(uri, r)
		return nil
	})
}

func (p *Participant) awaitLocate(ctx context.Context, name string, answer chan wire.Frame) (json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, locateTimeout)
	defer cancel()
	select {
	case f := <-answer:
		if f.Error != "" {
			return nil, fmt.Errorf("cannot jump to %s: %s", name, f.Error)
		}
		return f.To, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("cannot jump to %s: the hub did not answer", name)
	}
}

func orWheel(name string) string {
	if name == "" {
		return "the navigator"
	}
	return name
}

func (p *Participant) cmdDrive(ctx context.Context, _ []json.RawMessage) (any, error) {
	return p.stateNow(ctx, func() error {
		if err := p.connectedToHub(); err != nil {
			return err
		}
		if p.state.Role != wire.RoleDrive {
			return fmt.Errorf("you joined with an attend link: only a drive link can take the wheel")
		}
		p.setFollowing(false)
		p.hubConn.Send(wire.Frame{Type: wire.TypeDrive})
		return nil
	})
}

func (p *Participant) cmdPass(ctx context.Context, args []json.RawMessage) (any, error) {
	name, err := stringArg(args, true)
	if err != nil {
		return nil, err
	}
	return p.stateNow(ctx, func() error {
		if err := p.joined(); err != nil {
			return err
		}
		if p.state.Navigator != p.state.You {
			return fmt.Errorf("only the navigator (%s) can pass the wheel", p.state.Navigator)
		}
		p.hubConn.Send(wire.Frame{Type: wire.TypePass, Name: name})
		return nil
	})
}

func (p *Participant) cmdJoin(ctx context.Context, args []json.RawMessage) (any, error) {
	link, err := stringArg(args, true)
	if err != nil {
		return nil, err
	}
	return p.stateNow(ctx, func() error {
		if !p.initialized {
			p.cfg.Link = link // joins once the editor has initialized
			return nil
		}
		return p.join(ctx, link)
	})
}

func (p *Participant) cmdLeave(ctx context.Context, _ []json.RawMessage) (any, error) {
	return p.stateNow(ctx, func() error {
		p.leave()
		p.publishState()
		return nil
	})
}

// stringArg reads the first command argument as a string.
func stringArg(args []json.RawMessage, required bool) (string, error) {
	if len(args) == 0 {
		if required {
			return "", errors.New("this command needs one argument")
		}
		return "", nil
	}
	var s string
	if err := json.Unmarshal(args[0], &s); err != nil {
		return "", fmt.Errorf("argument must be a string: %w", err)
	}
	return s, nil
}

// cmdHand raises the caller's hand ("I'm lost", "I have a question"), or
// lowers it if it is up. With a name, the navigator lowers that person's.
func (p *Participant) cmdHand(ctx context.Context, args []json.RawMessage) (any, error) {
	name, err := stringArg(args, false)
	if err != nil {
		return nil, err
	}
	return p.stateNow(ctx, func() error {
		if err := p.connectedToHub(); err != nil {
			return err
		}
		if name != "" && name != p.state.You {
			if p.state.Navigator != p.state.You {
				return fmt.Errorf("only the navigator (%s) can lower someone else's hand", orWheel(p.state.Navigator))
			}
			p.hubConn.Send(wire.Frame{Type: wire.TypeHand, Name: name})
			return nil
		}
		p.hubConn.Send(wire.Frame{Type: wire.TypeHand, Raised: !p.handUp()})
		return nil
	})
}

// handUp reports whether the hub's last state had this participant's hand
// up.
func (p *Participant) handUp() bool {
	for _, e := range p.state.Participants {
		if e.Name == p.state.You {
			return !e.Hand.IsZero()
		}
	}
	return false
}

// cmdSummon brings every participant to the navigator's place once, and
// turns following back on for them: the navigator's alone.
func (p *Participant) cmdSummon(ctx context.Context, _ []json.RawMessage) (any, error) {
	return p.stateNow(ctx, func() error {
		if err := p.connectedToHub(); err != nil {
			return err
		}
		switch {
		case p.state.Role != wire.RoleDrive:
			return fmt.Errorf("you joined with an attend link: only the navigator can summon everyone")
		case p.state.Navigator != p.state.You:
			return fmt.Errorf("only the navigator (%s) can summon everyone", orWheel(p.state.Navigator))
		}
		p.hubConn.Send(wire.Frame{Type: wire.TypeSummon})
		return nil
	})
}

// connectedToHub says what to do when there is no session to act in yet.
func (p *Participant) connectedToHub() error {
	if err := p.joined(); err != nil {
		return err
	}
	if !p.state.Connected {
		return fmt.Errorf("not connected to the hub yet: try again in a moment")
	}
	return nil
}
