// Spaces out a costly redraw so that it takes at most a share of the page's time: after a redraw that took d ms,
// the next one waits (1/share − 1)·d ms. A few runs redraw in a few ms, so every frame may have one; hundreds of
// runs overlaid take 100 ms or more a redraw (uPlot draws every series anew), and without a budget one run that logs
// a row every few hundred ms kept the page redrawing all of them without pause. A redraw lasts to the end of the frame
// it is drawn in: its canvases are drawn when the frame is committed, after the script (200 runs of 300 rows in a
// headless Chromium: 0.3 s of script, then 3 s of drawing, during which the page answers nothing). The default share,
// a quarter, weighs the two costs: a tenth kept such a page free 87% of the time but showed a new row 31–43 s late
// (3–4 s at the full rate, with the page 82% busy); a quarter waits 3·d (by that rule about 14 s there, 2 s for 40 runs).

export class RenderBudget {
  /** `clock`: the time now, and how to run a function once the frame being rendered is done (tests stub both). */
  constructor(share = 0.25, clock = { now: () => performance.now(), afterFrame: nextTask }) {
    this.share = share;
    this.clock = clock;
    this.notBefore = -Infinity;
  }

  /** Milliseconds to wait at time `now` before the next redraw (0: draw now). */
  wait(now) {
    return Math.max(0, this.notBefore - now);
  }

  /** A redraw ran from `start` to `end` (performance.now() times). */
  spent(start, end) {
    this.notBefore = end + (end - start) * (1 / this.share - 1);
  }

  /**
   * A redraw started at `start` in an animation frame's callback, its script done: it is counted to the end of that
   * frame, once rendered (meanwhile, its script so far).
   */
  drawn(start) {
    this.spent(start, this.clock.now());
    this.clock.afterFrame(() => this.spent(start, this.clock.now()));
  }
}

/** Runs `f` as a task of its own: one posted during a frame's callbacks runs once that frame is rendered and committed
 * (a message, not a timer: a timer of a page hidden meanwhile waits a second or more). */
function nextTask(f) {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    channel.port1.close();
    f();
  };
  channel.port2.postMessage(null);
}
