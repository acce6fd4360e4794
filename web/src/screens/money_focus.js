// money_focus.js - where the keyboard focus goes on the dashboard and money screens after an action removes the
// focused control: a pager's button (the table gives way to "Loading…") or a link that stays on the screen but
// redraws it (another province, another county). The focus moves to the heading of what was redrawn, once drawn.
import { useEffect, useRef } from 'preact/hooks';

// Returns the ref to put on the heading (tabindex="-1"). ready: the content is drawn; key: what it is of (a place, a
// pager's cursor). A change of key after the first draw moves the focus to the heading once ready.
export function useFocusAfter(ready, key) {
  const ref = useRef(null);
  const pending = useRef(false);
  const seen = useRef(key);
  useEffect(() => {
    if (key !== seen.current) { seen.current = key; pending.current = true; }
  }, [key]);
  useEffect(() => {
    if (ready && pending.current && ref.current) {
      pending.current = false;
      ref.current.focus();
    }
  });
  return ref;
}
