//! Control flow on top of the emitter: shared subroutines whose body the
//! compiler writes, loops and conditional calls. Their bodies are
//! compiler code (`FnOnce(&mut Gen)`), so they live with [`Gen`]; the
//! instructions themselves go through [`super::emitter::Emitter`].

use triton_vm::prelude::triton_asm;

use super::Gen;

impl Gen {
    /// Calls the shared subroutine `name`, emitting it (with `body`) the
    /// first time.
    pub(super) fn call_shared(&mut self, name: &str, body: impl FnOnce(&mut Self)) {
        self.define_shared(name, body);
        self.asm.call(name);
    }

    /// Defines the shared subroutine `name` (with `body`) unless the
    /// program already has it.
    pub(super) fn define_shared(&mut self, name: &str, body: impl FnOnce(&mut Self)) {
        if self.asm.first_use(name) {
            self.subroutine(name, body);
        }
    }

    /// Runs `body` as a subroutine named `name`, emitted after the main
    /// program; the body must leave the stack as it found it.
    pub(super) fn subroutine(&mut self, name: &str, body: impl FnOnce(&mut Self)) {
        let saved = self.asm.begin_subroutine(name);
        body(self);
        self.asm.emit(triton_asm!(return));
        self.asm.end_subroutine(saved);
    }

    /// Emits `for counter in 0..mem[count] { body }` as a call to a fresh
    /// looping subroutine; `counter` is a cell the body may read.
    pub(super) fn repeat(&mut self, count: u64, counter: u64, body: impl FnOnce(&mut Self)) {
        let name = self.asm.label("loop");
        self.asm.push(0);
        self.asm.store(counter);
        self.asm.call(&name);
        let saved = self.asm.begin_subroutine(&name);
        self.asm.load(counter);
        self.asm.load(count);
        self.asm.emit(triton_asm!(eq skiz return));
        body(self);
        self.asm.bump(counter, 1);
        self.asm.emit(triton_asm!(recurse));
        self.asm.end_subroutine(saved);
    }

    /// Stack `[c]` → calls `body` (as a subroutine) when `c == 1`.
    pub(super) fn when(&mut self, body: impl FnOnce(&mut Self)) {
        let name = self.asm.label("when");
        self.asm.emit(triton_asm!(skiz call { name }));
        self.subroutine(&name, body);
    }
}
