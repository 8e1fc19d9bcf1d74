/*
 * The shim's lifecycle, as WinFsp's FUSE3 layer runs it: fuse3_new copies the arguments and checks
 * the options, fuse3_mount parses them again and takes the mount point (drive letters are
 * directories under the configured drives directory), the loop starts the volume (init with
 * WinFsp's capabilities, then WinFsp's own start-up calls), fuse3_exit takes the drive away, and
 * fuse3_unmount and fuse3_destroy let go.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include "winfsp_shim_state.h"

/* Where drive letters live, and who the mounting user is (winfsp_shim_configure). */
char shim_drives[2048];
uint32_t shim_user_uid = (uint32_t) -1;
uint32_t shim_user_gid = (uint32_t) -1;

void shim_configure(const char *drives, uint32_t uid, uint32_t gid)
{
	snprintf(shim_drives, sizeof(shim_drives), "%s", drives ? drives : "");
	shim_user_uid = uid;
	shim_user_gid = gid;
}

/* One option of WinFsp's core list (src/dll/fuse/fuse.c, fsp_fuse_core_opts); 0 when unknown to it. */
static int take_option(struct shim *s, const char *o)
{
	if (strncmp(o, "uid=", 4) == 0 || strncmp(o, "gid=", 4) == 0) {
		char *end;
		long v = strtol(o + 4, &end, 10);
		if (*end || end == o + 4) {
			fprintf(stderr, "winfsp-shim: Cannot create WinFsp-FUSE file system: invalid option %s.\n", o);
			return -1;
		}
		/* -1: the mounting user's id (WinFsp asks the process token; here, the configured user). */
		uint32_t id = v == -1 ? (o[0] == 'u' ? shim_user_uid : shim_user_gid) : (uint32_t) v;
		if (o[0] == 'u') {
			s->set_uid = 1;
			s->uid = id;
		} else {
			s->set_gid = 1;
			s->gid = id;
		}
		return 1;
	}
	if (strncmp(o, "volname=", 8) == 0) {
		if (!o[8])
			return -1;
		snprintf(s->volname, sizeof(s->volname), "%s", o + 8);
		return 1;
	}
	if (strncmp(o, "FileSystemName=", 15) == 0 || strncmp(o, "fstypename=", 11) == 0) {
		snprintf(s->fs_name, sizeof(s->fs_name), "FUSE-%s", strchr(o, '=') + 1);
		return 1;
	}
	if (strncmp(o, "ExactFileSystemName=", 20) == 0) {
		snprintf(s->fs_name, sizeof(s->fs_name), "%s", o + 20);
		return 1;
	}
	if (strncmp(o, "FileInfoTimeout=", 16) == 0) {
		s->file_info_timeout = atoi(o + 16) / 1000.0;
		return 1;
	}
	static const char *const known[] = {"umask=", "create_umask=", "create_file_umask=", "create_dir_umask=",
		"rellinks", "norellinks", "dothidden", "nodothidden", "DirInfoTimeout=", "VolumeInfoTimeout=",
		"EaTimeout=", "ThreadCount=", "KeepFileCache", "LegacyUnlinkRename", "FlushOnCleanup", "debug", NULL};
	for (int i = 0; known[i]; i++)
		if (strncmp(o, known[i], strlen(known[i])) == 0)
			return 1;
	return 0;
}

/* WinFsp's fsp_fuse_core_opt_parse over "-o a,b" lists; unknown options are kept and ignored. */
static int parse_options(struct shim *s)
{
	s->file_info_timeout = 1.0; /* WinFsp's FileInfoTimeout default: 1000 ms */
	snprintf(s->fs_name, sizeof(s->fs_name), "FUSE");
	for (int i = 0; i < s->argc; i++) {
		if (strcmp(s->argv[i], "-o") != 0 || i + 1 >= s->argc)
			continue;
		char *list = strdup(s->argv[++i]);
		char *save = NULL;
		for (char *o = strtok_r(list, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
			if (take_option(s, o) < 0) {
				free(list);
				return -1;
			}
		}
		free(list);
	}
	return 0;
}

struct shim *shim_new(struct wf_args *args, const struct wf_operations *op, size_t op_size, void *user_data)
{
	shim_load_real();
	struct shim *s = calloc(1, sizeof(*s));
	memcpy(&s->ops, op, op_size < sizeof(s->ops) ? op_size : sizeof(s->ops));
	s->user_data = user_data;
	/* fsp_fuse3_copy_args: the caller may free its arguments once fuse3_new returns. */
	s->argc = args->argc;
	s->argv = calloc(args->argc + 1, sizeof(char *));
	for (int i = 0; i < args->argc; i++)
		s->argv[i] = strdup(args->argv[i]);
	if (parse_options(s) < 0) {
		shim_destroy(s);
		return NULL;
	}
	return s;
}

static int is_mounted(const char *dir)
{
	FILE *m = fopen("/proc/self/mounts", "r");
	char line[PATH_MAX * 2];
	int found = 0;
	while (m && fgets(line, sizeof(line), m)) {
		char *target = strchr(line, ' ');
		if (!target)
			continue;
		char *end = strchr(++target, ' ');
		if (end)
			*end = 0;
		if (strcmp(target, dir) == 0)
			found = 1;
	}
	if (m)
		fclose(m);
	return found;
}

/* fsp_fuse_mount's forms: *, X:, \\.\X:, \\?\X: are drives; anything else is a directory. */
static int take_mountpoint(struct shim *s, const char *mp)
{
	char letter = 0;
	if (!mp || !*mp || strcmp(mp, "*") == 0) {
		letter = '*';
	} else if (((mp[0] >= 'A' && mp[0] <= 'Z') || (mp[0] >= 'a' && mp[0] <= 'z')) && mp[1] == ':' && !mp[2]) {
		letter = mp[0];
	} else if (mp[0] == '\\' && mp[1] == '\\' && (mp[2] == '.' || mp[2] == '?') && mp[3] == '\\'
			&& ((mp[4] >= 'A' && mp[4] <= 'Z') || (mp[4] >= 'a' && mp[4] <= 'z')) && mp[5] == ':' && !mp[6]) {
		letter = mp[4];
	}
	if (letter) {
		if (!shim_drives[0]) {
			fprintf(stderr, "winfsp-shim: no drives directory configured for %s\n", mp);
			return -1;
		}
		char first = letter == '*' ? 'Z' : (char) (letter & ~0x20);
		char last = letter == '*' ? 'D' : first;
		for (char d = first; d >= last; d--) {
			snprintf(s->linux_dir, sizeof(s->linux_dir), "%s/%c", shim_drives, d);
			mkdir(s->linux_dir, 0755);
			if (!is_mounted(s->linux_dir)) {
				s->drive = d;
				return 0;
			}
		}
		fprintf(stderr, "winfsp-shim: Cannot create WinFsp-FUSE file system: mount point in use.\n");
		return -1;
	}
	/* A directory mount point must not exist: WinFsp makes it, and removes it at the end. */
	if (mkdir(mp, 0755) != 0) {
		fprintf(stderr, "winfsp-shim: Cannot create WinFsp-FUSE file system: %s: %s.\n", mp,
				errno == EEXIST ? "mount point in use" : "invalid mount point");
		return -1;
	}
	snprintf(s->linux_dir, sizeof(s->linux_dir), "%s", mp);
	s->made_dir = 1;
	return 0;
}

int shim_mount(struct shim *s, const char *mountpoint)
{
	if (take_mountpoint(s, mountpoint) < 0)
		return -1;
	/* The Linux side: every user may enter (Windows decides by the security descriptor), and the
	 * kernel checks modes as WinFsp's descriptor derives them. */
	struct fuse_args linux_args = FUSE_ARGS_INIT(0, NULL);
	char options[1024];
	snprintf(options, sizeof(options), "fsname=%s,subtype=%s,allow_other,default_permissions",
			s->volname[0] ? s->volname : "winfsp", s->fs_name);
	for (char *c = options; *c; c++)
		if (*c == ' ')
			*c = '_';
	shim_real_opt_add_arg(&linux_args, "winfsp-shim");
	shim_real_opt_add_arg(&linux_args, "-o");
	shim_real_opt_add_arg(&linux_args, options);
	s->real = shim_real_new(&linux_args, s);
	shim_real_opt_free_args(&linux_args);
	if (!s->real || shim_real_mount(s->real, s->linux_dir) != 0) {
		if (s->made_dir)
			rmdir(s->linux_dir);
		return -1;
	}
	return 0;
}

/* Set on the thread of WinFsp's start-up calls, which run as no caller (uid, gid and pid -1). */
static __thread int starting;

/* WinFsp's loop start: init, then its own checks of the file system. */
void *shim_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	struct shim *s = shim_real_context()->private_data;
	struct wf_conn_info wc;
	struct wf_config wcfg;
	memset(&wc, 0, sizeof(wc));
	memset(&wcfg, 0, sizeof(wcfg));
	wc.proto_major = 7;
	wc.proto_minor = 26;
	wc.max_write = conn->max_write;
	wc.max_read = conn->max_write;
	wc.max_readahead = conn->max_readahead;
	wc.capable = WF_CAP_ASYNC_READ | WF_CAP_BIG_WRITES | WF_CAP_DONT_MASK | WF_CAP_READDIRPLUS
		| WF_FSP_CAP_READ_ONLY | WF_FSP_CAP_STAT_EX | WF_FSP_CAP_DELETE_ACCESS | WF_CAP_CASE_INSENSITIVE;
	wcfg.set_uid = s->set_uid;
	wcfg.uid = s->uid;
	wcfg.set_gid = s->set_gid;
	wcfg.gid = s->gid;
	if (s->ops.init)
		s->user_data = s->ops.init(&wc, &wcfg);
	s->want = wc.want;
	s->read_only = (wc.want & WF_FSP_CAP_READ_ONLY) != 0;
	if (wc.want & WF_CAP_CASE_INSENSITIVE)
		fprintf(stderr, "winfsp-shim: the file system asked to be case-insensitive\n");
	/* WinFsp keeps none of fuse3_config; the Linux side is served as WinFsp's FSD would cache. */
	cfg->use_ino = 1;
	cfg->hard_remove = 1;
	cfg->nullpath_ok = 1;
	cfg->readdir_ino = 0;
	cfg->entry_timeout = s->file_info_timeout;
	cfg->attr_timeout = s->file_info_timeout;
	cfg->negative_timeout = 0;
	/* WinFsp offers neither (fuse_loop.c): the kernel applies the umask and truncates with setattr,
	 * as Windows' overwrite reaches WinFsp's truncate. */
	conn->want &= ~(FUSE_CAP_DONT_MASK | FUSE_CAP_ATOMIC_O_TRUNC);

	/* fsp_fuse_loop_start, as caller -1: statfs("/") and getattr("/") must answer, readlink("/")
	 * must fail with EINVAL or ENOSYS; otherwise the volume does not start. */
	struct wf_statvfs sv;
	struct wf_stat_ex st;
	char buf[4096];
	memset(&sv, 0, sizeof(sv));
	memset(&st, 0, sizeof(st));
	starting = 1;
	int r1 = s->ops.statfs ? s->ops.statfs("/", &sv) : 0;
	int r2 = s->ops.getattr ? s->ops.getattr("/", &st.st, NULL) : 0;
	int r3 = s->ops.readlink ? s->ops.readlink("/", buf, sizeof(buf)) : -WF_ENOSYS;
	starting = 0;
	if (r1 || r2 || (r3 != -22 && r3 != -WF_ENOSYS)) {
		fprintf(stderr, "winfsp-shim: The service has failed to start (statfs %d, getattr %d, readlink %d)\n", r1, r2,
				r3);
		s->failed_to_start = 1;
	}
	return s;
}

void shim_destroy_callback(void *data)
{
	struct shim *s = data;
	if (s->ops.destroy)
		s->ops.destroy(s->user_data);
}

int shim_loop(struct shim *s)
{
	int r = shim_real_loop(s->real);
	return s->failed_to_start ? -22 : (r == 0 ? 0 : -22);
}

/* fsp_fuse_exit: the loop stops and WinFsp takes the drive away. */
void shim_exit(struct shim *s)
{
	shim_real_exit(s->real);
	if (umount2(s->linux_dir, MNT_DETACH) != 0) {
		char cmd[PATH_MAX + 64];
		snprintf(cmd, sizeof(cmd), "fusermount3 -u -z '%s'", s->linux_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "winfsp-shim: could not take %s away\n", s->linux_dir);
	}
}

void shim_unmount(struct shim *s)
{
	if (s->real)
		shim_real_unmount(s->real);
	if (s->made_dir) {
		rmdir(s->linux_dir);
		s->made_dir = 0;
	}
}

void shim_destroy(struct shim *s)
{
	if (s->real)
		shim_real_destroy(s->real);
	for (int i = 0; i < s->argc; i++)
		free(s->argv[i]);
	free(s->argv);
	free(s);
}

/* fsp_fuse3_get_context: WinFsp sets uid, gid and pid per request (-1 outside one) and never the umask. */
void shim_context(struct wf_context *out)
{
	struct fuse_context *c = shim_real_context();
	struct shim *s = c ? c->private_data : NULL;
	memset(out, 0, sizeof(*out));
	if (!c)
		return;
	out->fuse = s;
	out->private_data = s ? s->user_data : NULL;
	out->uid = starting ? (wf_uid_t) -1 : c->uid;
	out->gid = starting ? (wf_gid_t) -1 : c->gid;
	out->pid = starting ? -1 : c->pid;
	out->umask = 0;
}
