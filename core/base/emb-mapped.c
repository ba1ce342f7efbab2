/* emb-mapped.c: guarded read-only file mappings and the SIGBUS handler
 * that keeps a shrinking file from killing the process.
 *
 * Why a handler and not a copy or pread: float32 tables are read in place
 * (a matrix is a view of the mapping), which is what keeps opening a .npy
 * at a few milliseconds and the peak memory at one matrix.  Copying what
 * must outlive the load would double the memory of every big table, and
 * pread would read the whole file before the first row is seen.  The cost
 * of keeping the mapping is that a page past a truncated file's new end
 * raises SIGBUS on the next read, during the load or at any query later.
 *
 * So every mapping this program makes is registered in a fixed table the
 * handler can read without locks.  On a fault inside one, the handler maps
 * anonymous zero pages over the whole mapping (mmap is a plain system call,
 * safe in a handler), raises the mapping's damaged flag and returns: the
 * faulting load runs again and reads zeros.  The readers and the queries
 * check emb_mapped_is_intact () after they read and turn a damaged mapping
 * into an error naming the file, so no answer computed from the zeros is
 * shown.  A fault anywhere else goes on to the handler that was there
 * before (AddressSanitizer's, or the default action: the process dies as
 * it always did).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/emb-mapped.h"

/* Mappings alive at once: a file, its vocabulary and a few shards per
 * window.  Past this, files are read into memory instead. */
#define N_SLOTS 256

enum { SLOT_FREE, SLOT_BUSY, SLOT_LIVE };

/* Written by the owner while the slot is BUSY, read by the handler while
 * it is LIVE; damaged is the one field the handler writes. */
typedef struct
{
  gint             state;
  gint             damaged;
  guintptr         base;
  gsize            len;      /* whole pages */
  int              fd;
  off_t            st_size;
  struct timespec  st_mtim;
} Slot;

static Slot slots[N_SLOTS];
static struct sigaction previous_action;

/* auxiliary functions */

/* Hands a fault that is not ours to whoever handled SIGBUS before. */
static void
forward_fault (int        sig,
               siginfo_t *info,
               void      *context)
{
  if ((previous_action.sa_flags & SA_SIGINFO) && previous_action.sa_sigaction != NULL)
    previous_action.sa_sigaction (sig, info, context);
  else if (previous_action.sa_handler != SIG_DFL && previous_action.sa_handler != SIG_IGN)
    previous_action.sa_handler (sig);
  else
    {
      /* The default action: dies on return (or at once for a sent signal). */
      signal (sig, SIG_DFL);
      raise (sig);
    }
}

static void
sigbus_handler (int        sig,
                siginfo_t *info,
                void      *context)
{
  guintptr addr = (guintptr) info->si_addr;

  /* si_code > 0: raised by the kernel for a fault, not sent by kill(). */
  if (info->si_code > 0)
    for (guint i = 0; i < N_SLOTS; i++)
      {
        Slot *s = &slots[i];

        if (__atomic_load_n (&s->state, __ATOMIC_ACQUIRE) != SLOT_LIVE ||
            addr - s->base >= s->len)
          continue;
        if (mmap ((void *) s->base, s->len, PROT_READ,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
          break;
        __atomic_store_n (&s->damaged, 1, __ATOMIC_RELEASE);
        return;
      }
  forward_fault (sig, info, context);
}

static void
install_handler (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      struct sigaction sa = { 0 };

      sa.sa_sigaction = sigbus_handler;
      sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
      sigemptyset (&sa.sa_mask);
      sigaction (SIGBUS, &sa, &previous_action);
      g_once_init_leave (&done, 1);
    }
}

static Slot *
claim_slot (void)
{
  for (guint i = 0; i < N_SLOTS; i++)
    {
      gint expected = SLOT_FREE;

      if (__atomic_compare_exchange_n (&slots[i].state, &expected, SLOT_BUSY, FALSE,
                                       __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
        return &slots[i];
    }
  return NULL;
}

/* The GBytes' free function: out of the table first, so that a later
 * mapping at the same address is never taken for this one. */
static void
unmap_slot (gpointer data)
{
  Slot *s = data;

  __atomic_store_n (&s->state, SLOT_BUSY, __ATOMIC_RELEASE);
  munmap ((void *) s->base, s->len);
  close (s->fd);
  s->base = 0;
  s->len = 0;
  __atomic_store_n (&s->damaged, 0, __ATOMIC_RELAXED);
  __atomic_store_n (&s->state, SLOT_FREE, __ATOMIC_RELEASE);
}

/* The live slot whose mapping holds p, or NULL. */
static Slot *
find_slot (const void *p)
{
  guintptr addr = (guintptr) p;

  for (guint i = 0; i < N_SLOTS; i++)
    if (__atomic_load_n (&slots[i].state, __ATOMIC_ACQUIRE) == SLOT_LIVE &&
        addr - slots[i].base < slots[i].len)
      return &slots[i];
  return NULL;
}

/* public API */

GBytes *
emb_mapped_new (int   fd,
                gsize size)
{
  static gsize page = 0;
  struct stat st;
  Slot *s;
  void *base;
  int keep;

  g_return_val_if_fail (size > 0, NULL);

  if (page == 0)
    page = (gsize) sysconf (_SC_PAGESIZE);
  install_handler ();
  if (fstat (fd, &st) != 0)
    return NULL;
  s = claim_slot ();
  if (s == NULL)
    {
      errno = EMFILE;
      return NULL;
    }
  keep = fcntl (fd, F_DUPFD_CLOEXEC, 0);
  base = keep < 0 ? MAP_FAILED : mmap (NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (base == MAP_FAILED)
    {
      int saved = errno;

      if (keep >= 0)
        close (keep);
      __atomic_store_n (&s->state, SLOT_FREE, __ATOMIC_RELEASE);
      errno = saved;
      return NULL;
    }
  s->base = (guintptr) base;
  s->len = (size + page - 1) / page * page;
  s->fd = keep;
  s->st_size = st.st_size;
  s->st_mtim = st.st_mtim;
  s->damaged = 0;
  __atomic_store_n (&s->state, SLOT_LIVE, __ATOMIC_RELEASE);
  return g_bytes_new_with_free_func (base, size, unmap_slot, s);
}

gboolean
emb_mapped_is_intact (GBytes *bytes)
{
  struct stat st;
  Slot *s;

  if (bytes == NULL)
    return TRUE;
  s = find_slot (g_bytes_get_data (bytes, NULL));
  if (s == NULL)
    return TRUE;
  if (__atomic_load_n (&s->damaged, __ATOMIC_ACQUIRE))
    return FALSE;
  if (fstat (s->fd, &st) != 0)
    return FALSE;
  return st.st_size == s->st_size && st.st_mtim.tv_sec == s->st_mtim.tv_sec &&
         st.st_mtim.tv_nsec == s->st_mtim.tv_nsec;
}
