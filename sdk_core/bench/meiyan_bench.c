/* meiyan_bench: times the full frame pipeline through the public C API on this device and writes JSON.
 *
 * The pipeline is measured as a ladder of configurations, each adding one stage to the one before:
 *   convert     NV21 (or RGBA) in, RGBA out, no effect (format conversion and the frame copy)
 *   track       + face tracking (detector, landmark network, smoothing, pose)
 *   beauty      + skin smoothing, whitening, reshape and makeup on the tracked faces
 *   grade       + colour grading and a 3D LUT
 *   background  + person segmentation and a background blur
 * Every configuration runs the same frames on a fresh engine; a stage's cost is the per-frame
 * difference from the configuration below it. Frame times follow a fixed 30 fps clock
 * (meiyan_engine_set_frame_time), so a run is deterministic for a given input and build, which the
 * instruction-count gate (tools/callgrind_gate.py) relies on.
 *
 * Plain C99 plus POSIX (clock_gettime, uname), so it builds for Linux, Android and macOS alike.
 * Usage: meiyan_bench --help. See sdk_core/bench/README.md. */
#define _POSIX_C_SOURCE 200809L
#include <meiyan/meiyan.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#ifndef MEIYAN_BENCH_BUILD_INFO
#define MEIYAN_BENCH_BUILD_INFO "unknown"
#endif

#define STAGE_COUNT 5
#define MAX_SIDE 8192

enum { STAGE_CONVERT, STAGE_TRACK, STAGE_BEAUTY, STAGE_GRADE, STAGE_BACKGROUND };
static const char* const kStageNames[STAGE_COUNT] = {"convert", "track", "beauty", "grade", "background"};
static const int kStageNeedsModels[STAGE_COUNT] = {0, 1, 1, 0, 1};

typedef struct options {
    const char* frames_path; /* raw RGBA frames, or NULL for the synthetic clip */
    const char* models_dir;
    const char* json_path;
    int width, height;
    int count, warmup;
    int stages[STAGE_COUNT]; /* 1: run this configuration */
    int nv21;                /* input format: NV21 (1) or RGBA (0) */
    int gl;
    int threads;
    int max_faces;
    int seg_interval;
    int expect_faces; /* -1: no check */
    int quiet;
} options;

typedef struct frame_set {
    int count;
    size_t frame_bytes; /* of one input frame in the input format */
    uint8_t* data;
} frame_set;

typedef struct config_result {
    int ran;
    double* ms; /* per timed frame */
    int faces;  /* tracked in the last frame */
    uint32_t output_hash;
} config_result;

static void usage(FILE* f) {
    fprintf(f,
            "usage: meiyan_bench [options]\n"
            "  --frames FILE        raw RGBA8 frames, width*height*4 bytes each (default: a synthetic clip)\n"
            "  --width W --height H frame size (default 1280x720)\n"
            "  --count N            timed frames per configuration (default 30)\n"
            "  --warmup N           untimed frames first (default 3)\n"
            "  --models DIR         the .mynn models (needed by track and background)\n"
            "  --stages LIST        comma-separated configurations among convert,track,beauty,grade,background\n"
            "                       (default: all five with --models, else convert,grade; 'all' = all five)\n"
            "  --format nv21|rgba   input pixel format handed to the engine (default nv21)\n"
            "  --backend cpu|gl     renderer (default cpu)\n"
            "  --threads N          face-network threads, 0 = one per core (default 1)\n"
            "  --max-faces N        faces to track, 1..16 (default 1)\n"
            "  --seg-interval N     run the segmenter every N-th frame, 1..10 (default 1)\n"
            "  --expect-faces N     fail unless the track configuration's last frame has >= N faces\n"
            "  --json PATH          write the results as JSON\n"
            "  --quiet              no table on stdout\n");
}

static int parse_int(const char* flag, const char* text, int lo, int hi, int* out) {
    char* end = NULL;
    long v;
    if (text == NULL) {
        fprintf(stderr, "meiyan_bench: %s needs a value\n", flag);
        return 0;
    }
    errno = 0;
    v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "meiyan_bench: %s must be an integer in %d..%d, got '%s'\n", flag, lo, hi, text);
        return 0;
    }
    *out = (int)v;
    return 1;
}

static int parse_stages(const char* text, int* stages) {
    const char* p = text;
    int i, any = 0;
    if (text == NULL) {
        fprintf(stderr, "meiyan_bench: --stages needs a value\n");
        return 0;
    }
    memset(stages, 0, sizeof(int) * STAGE_COUNT);
    if (strcmp(text, "all") == 0) {
        for (i = 0; i < STAGE_COUNT; ++i) stages[i] = 1;
        return 1;
    }
    while (*p) {
        const char* comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        int found = 0;
        for (i = 0; i < STAGE_COUNT; ++i) {
            if (strlen(kStageNames[i]) == len && strncmp(p, kStageNames[i], len) == 0) {
                stages[i] = 1;
                found = any = 1;
            }
        }
        if (!found) {
            fprintf(stderr, "meiyan_bench: unknown stage '%.*s' (convert, track, beauty, grade, background, all)\n", (int)len,
                    p);
            return 0;
        }
        p += len;
        if (*p == ',') ++p;
    }
    if (!any) fprintf(stderr, "meiyan_bench: --stages is empty\n");
    return any;
}

/* Returns 0 to go on, 1 after --help, 2 on a usage error. */
static int parse_args(int argc, char** argv, options* o) {
    int i, stages_given = 0;
    memset(o, 0, sizeof *o);
    o->width = 1280;
    o->height = 720;
    o->count = 30;
    o->warmup = 3;
    o->nv21 = 1;
    o->threads = 1;
    o->max_faces = 1;
    o->seg_interval = 1;
    o->expect_faces = -1;
    for (i = 1; i < argc; ++i) {
        const char* a = argv[i];
        const char* v = i + 1 < argc ? argv[i + 1] : NULL;
        int ok = 1, takes_value = 1;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 1;
        } else if (strcmp(a, "--quiet") == 0) {
            o->quiet = 1;
            takes_value = 0;
        } else if (strcmp(a, "--frames") == 0) {
            o->frames_path = v;
        } else if (strcmp(a, "--models") == 0) {
            o->models_dir = v;
        } else if (strcmp(a, "--json") == 0) {
            o->json_path = v;
        } else if (strcmp(a, "--width") == 0) {
            ok = parse_int(a, v, 2, MAX_SIDE, &o->width);
        } else if (strcmp(a, "--height") == 0) {
            ok = parse_int(a, v, 2, MAX_SIDE, &o->height);
        } else if (strcmp(a, "--count") == 0) {
            ok = parse_int(a, v, 1, 100000, &o->count);
        } else if (strcmp(a, "--warmup") == 0) {
            ok = parse_int(a, v, 0, 100000, &o->warmup);
        } else if (strcmp(a, "--threads") == 0) {
            ok = parse_int(a, v, 0, 64, &o->threads);
        } else if (strcmp(a, "--max-faces") == 0) {
            ok = parse_int(a, v, 1, 16, &o->max_faces);
        } else if (strcmp(a, "--seg-interval") == 0) {
            ok = parse_int(a, v, 1, 10, &o->seg_interval);
        } else if (strcmp(a, "--expect-faces") == 0) {
            ok = parse_int(a, v, 0, 16, &o->expect_faces);
        } else if (strcmp(a, "--stages") == 0) {
            ok = parse_stages(v, o->stages);
            stages_given = 1;
        } else if (strcmp(a, "--format") == 0) {
            if (v != NULL && strcmp(v, "nv21") == 0) {
                o->nv21 = 1;
            } else if (v != NULL && strcmp(v, "rgba") == 0) {
                o->nv21 = 0;
            } else {
                fprintf(stderr, "meiyan_bench: --format must be nv21 or rgba\n");
                ok = 0;
            }
        } else if (strcmp(a, "--backend") == 0) {
            if (v != NULL && strcmp(v, "cpu") == 0) {
                o->gl = 0;
            } else if (v != NULL && strcmp(v, "gl") == 0) {
                o->gl = 1;
            } else {
                fprintf(stderr, "meiyan_bench: --backend must be cpu or gl\n");
                ok = 0;
            }
        } else {
            fprintf(stderr, "meiyan_bench: unknown argument '%s' (see --help)\n", a);
            return 2;
        }
        if (!ok) return 2;
        if (takes_value) {
            if (v == NULL) {
                fprintf(stderr, "meiyan_bench: %s needs a value\n", a);
                return 2;
            }
            ++i;
        }
    }
    if (!stages_given) {
        o->stages[STAGE_CONVERT] = o->stages[STAGE_GRADE] = 1;
        if (o->models_dir) o->stages[STAGE_TRACK] = o->stages[STAGE_BEAUTY] = o->stages[STAGE_BACKGROUND] = 1;
    }
    for (i = 0; i < STAGE_COUNT; ++i) {
        if (o->stages[i] && kStageNeedsModels[i] && o->models_dir == NULL) {
            fprintf(stderr, "meiyan_bench: the %s stage needs --models DIR\n", kStageNames[i]);
            return 2;
        }
    }
    if (o->expect_faces >= 0 && !o->stages[STAGE_TRACK]) {
        fprintf(stderr, "meiyan_bench: --expect-faces needs the track stage\n");
        return 2;
    }
    return 0;
}

/* FNV-1a over the bytes: a fingerprint of the output, printed so runs can be compared. */
static uint32_t fnv1a(const uint8_t* p, size_t n) {
    uint32_t h = 2166136261u;
    size_t i;
    for (i = 0; i < n; ++i) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int cmp_double(const void* a, const void* b) {
    double x = *(const double*)a, y = *(const double*)b;
    return (x > y) - (x < y);
}

/* The q-quantile (0..1) with linear interpolation between order statistics. */
static double quantile(const double* v, int n, double q) {
    double* s = (double*)malloc(sizeof(double) * (size_t)n);
    double pos, r;
    int lo;
    if (s == NULL) return 0.0;
    memcpy(s, v, sizeof(double) * (size_t)n);
    qsort(s, (size_t)n, sizeof(double), cmp_double);
    pos = q * (n - 1);
    lo = (int)pos;
    r = lo + 1 < n ? s[lo] + (pos - lo) * (s[lo + 1] - s[lo]) : s[lo];
    free(s);
    return r;
}

static void rgba_view(meiyan_image* img, uint8_t* data, int w, int h) {
    memset(img, 0, sizeof *img);
    img->struct_size = sizeof *img;
    img->format = MEIYAN_FORMAT_RGBA8;
    img->width = w;
    img->height = h;
    img->planes[0] = data;
    img->strides[0] = (ptrdiff_t)w * 4;
}

static void nv21_view(meiyan_image* img, uint8_t* data, int w, int h) {
    int cw = (w + 1) / 2;
    memset(img, 0, sizeof *img);
    img->struct_size = sizeof *img;
    img->format = MEIYAN_FORMAT_NV21;
    img->width = w;
    img->height = h;
    img->planes[0] = data;
    img->strides[0] = w;
    img->planes[1] = data + (size_t)w * (size_t)h;
    img->strides[1] = (ptrdiff_t)cw * 2;
}

static size_t input_bytes(const options* o) {
    size_t w = (size_t)o->width, h = (size_t)o->height;
    return o->nv21 ? w * h + (size_t)((o->width + 1) / 2) * 2 * (size_t)((o->height + 1) / 2) : w * h * 4;
}

/* Eight frames of a deterministic moving scene: a warm disc ("a face-sized blob") over a gradient. */
static void synthetic_frame(uint8_t* rgba, int w, int h, int index) {
    int x, y;
    double cx = w * (0.4 + 0.025 * index), cy = h * 0.45, r = (w < h ? w : h) * 0.22;
    for (y = 0; y < h; ++y) {
        for (x = 0; x < w; ++x) {
            uint8_t* p = rgba + ((size_t)y * (size_t)w + (size_t)x) * 4;
            double dx = x - cx, dy = y - cy;
            if (dx * dx + dy * dy < r * r) {
                p[0] = (uint8_t)(200 - (y * 40) / h);
                p[1] = (uint8_t)(150 - (x * 30) / w);
                p[2] = (uint8_t)(120 + ((x + y) & 15));
            } else {
                p[0] = (uint8_t)((x * 255) / (w - 1));
                p[1] = (uint8_t)((y * 255) / (h - 1));
                p[2] = (uint8_t)(((x ^ y) + index * 8) & 255);
            }
            p[3] = 255;
        }
    }
}

/* Loads (or synthesises) the RGBA frames and converts each to the input format once. */
static int load_frames(const options* o, frame_set* fs) {
    size_t rgba_bytes = (size_t)o->width * (size_t)o->height * 4;
    uint8_t* rgba = (uint8_t*)malloc(rgba_bytes);
    FILE* f = NULL;
    int i, n = 8;
    long size = 0;
    if (rgba == NULL) {
        fprintf(stderr, "meiyan_bench: out of memory\n");
        return 0;
    }
    if (o->frames_path) {
        f = fopen(o->frames_path, "rb");
        if (f == NULL) {
            fprintf(stderr, "meiyan_bench: cannot open %s: %s\n", o->frames_path, strerror(errno));
            free(rgba);
            return 0;
        }
        if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
            fprintf(stderr, "meiyan_bench: cannot size %s\n", o->frames_path);
            fclose(f);
            free(rgba);
            return 0;
        }
        if (size == 0 || (size_t)size % rgba_bytes != 0) {
            fprintf(stderr, "meiyan_bench: %s has %ld bytes, not a whole number of %dx%d RGBA frames (%lu bytes each)\n",
                    o->frames_path, size, o->width, o->height, (unsigned long)rgba_bytes);
            fclose(f);
            free(rgba);
            return 0;
        }
        n = (int)((size_t)size / rgba_bytes);
    }
    fs->count = n;
    fs->frame_bytes = input_bytes(o);
    fs->data = (uint8_t*)malloc(fs->frame_bytes * (size_t)n);
    if (fs->data == NULL) {
        fprintf(stderr, "meiyan_bench: out of memory for %d frames\n", n);
        if (f) fclose(f);
        free(rgba);
        return 0;
    }
    for (i = 0; i < n; ++i) {
        uint8_t* dst = fs->data + fs->frame_bytes * (size_t)i;
        if (f) {
            if (fread(rgba, 1, rgba_bytes, f) != rgba_bytes) {
                fprintf(stderr, "meiyan_bench: short read from %s\n", o->frames_path);
                fclose(f);
                free(rgba);
                return 0;
            }
        } else {
            synthetic_frame(rgba, o->width, o->height, i);
        }
        if (o->nv21) {
            meiyan_image src, out;
            meiyan_status s;
            rgba_view(&src, rgba, o->width, o->height);
            nv21_view(&out, dst, o->width, o->height);
            s = meiyan_image_convert(&src, &out);
            if (s != MEIYAN_OK) {
                fprintf(stderr, "meiyan_bench: RGBA to NV21: %s (%s)\n", meiyan_status_string(s), meiyan_last_error());
                if (f) fclose(f);
                free(rgba);
                return 0;
            }
        } else {
            memcpy(dst, rgba, rgba_bytes);
        }
    }
    if (f) fclose(f);
    free(rgba);
    return 1;
}

/* A gentle warm "film" look as a 17^3 .cube text (red varies fastest, as the format says). */
static meiyan_lut* make_lut(void) {
    enum { N = 17 };
    size_t cap = 64 + (size_t)N * N * N * 32, len = 0;
    char* text = (char*)malloc(cap);
    meiyan_lut* lut = NULL;
    int r, g, b;
    if (text == NULL) return NULL;
    len += (size_t)sprintf(text + len, "TITLE \"bench\"\nLUT_3D_SIZE %d\n", N);
    for (b = 0; b < N; ++b)
        for (g = 0; g < N; ++g)
            for (r = 0; r < N; ++r) {
                double R = r / (N - 1.0), G = g / (N - 1.0), B = b / (N - 1.0);
                double lum = 0.299 * R + 0.587 * G + 0.114 * B;
                R = 0.85 * R + 0.15 * lum + 0.03 * (1.0 - R);
                G = 0.9 * G + 0.1 * lum;
                B = 0.8 * B + 0.2 * lum;
                len += (size_t)sprintf(text + len, "%.5f %.5f %.5f\n", R > 1 ? 1.0 : R, G, B);
            }
    if (meiyan_lut_parse_cube(text, len, &lut) != MEIYAN_OK) lut = NULL;
    free(text);
    return lut;
}

static int check(meiyan_status s, const char* what) {
    if (s == MEIYAN_OK) return 1;
    fprintf(stderr, "meiyan_bench: %s: %s (%s)\n", what, meiyan_status_string(s), meiyan_last_error());
    return 0;
}

/* Runs configuration `stage` (every stage up to it on) and fills `res`. */
static int run_config(const options* o, const frame_set* fs, const meiyan_lut* lut, int stage, config_result* res,
                      const char** renderer) {
    meiyan_engine_options eo;
    meiyan_engine* engine = NULL;
    meiyan_image in, out;
    size_t out_bytes = (size_t)o->width * (size_t)o->height * 4;
    uint8_t* out_pixels = (uint8_t*)malloc(out_bytes);
    int i, ok = 0, total = o->warmup + o->count;
    res->ms = (double*)malloc(sizeof(double) * (size_t)o->count);
    if (out_pixels == NULL || res->ms == NULL) {
        fprintf(stderr, "meiyan_bench: out of memory\n");
        free(out_pixels);
        return 0;
    }
    meiyan_engine_options_init(&eo);
    eo.backend = o->gl ? MEIYAN_BACKEND_GL : MEIYAN_BACKEND_CPU;
    if (!check(meiyan_engine_create(&eo, &engine), "meiyan_engine_create")) goto done;
    if (!check(meiyan_engine_renderer_name(engine, renderer), "meiyan_engine_renderer_name")) goto done;
    if (!check(meiyan_engine_set_threads(engine, o->threads), "meiyan_engine_set_threads")) goto done;
    if (stage >= STAGE_TRACK &&
        !check(meiyan_engine_enable_faces(engine, o->models_dir, o->max_faces), "meiyan_engine_enable_faces"))
        goto done;
    if (stage >= STAGE_BEAUTY) {
        meiyan_beauty_params b;
        meiyan_makeup_params m;
        meiyan_beauty_params_init(&b);
        b.smoothing = 0.6f;
        b.whitening = 0.3f;
        b.face_slim = 0.2f;
        b.big_eyes = 0.15f;
        if (!check(meiyan_engine_set_beauty(engine, &b), "meiyan_engine_set_beauty")) goto done;
        meiyan_makeup_params_init(&m);
        m.lips.intensity = 0.5f;
        m.blush.intensity = 0.3f;
        m.brows.intensity = 0.3f;
        if (!check(meiyan_engine_set_makeup(engine, &m), "meiyan_engine_set_makeup")) goto done;
    }
    if (stage >= STAGE_GRADE) {
        meiyan_color_params c;
        meiyan_color_params_init(&c);
        c.brightness = 0.05f;
        c.contrast = 0.1f;
        c.saturation = 0.1f;
        c.warmth = 0.1f;
        c.whitening = 0.3f;
        c.lut_intensity = 0.8f;
        if (!check(meiyan_engine_set_color(engine, &c), "meiyan_engine_set_color")) goto done;
        if (!check(meiyan_engine_set_lut(engine, lut), "meiyan_engine_set_lut")) goto done;
    }
    if (stage >= STAGE_BACKGROUND) {
        meiyan_background_params bg;
        if (!check(meiyan_engine_enable_segmentation(engine, o->models_dir, o->seg_interval),
                   "meiyan_engine_enable_segmentation"))
            goto done;
        meiyan_background_params_init(&bg);
        bg.mode = MEIYAN_BACKGROUND_BLUR;
        bg.blur = 0.6f;
        bg.feather = 0.5f;
        if (!check(meiyan_engine_set_background(engine, &bg), "meiyan_engine_set_background")) goto done;
    }
    rgba_view(&out, out_pixels, o->width, o->height);
    for (i = 0; i < total; ++i) {
        uint8_t* frame = fs->data + fs->frame_bytes * (size_t)(i % fs->count);
        double t0, t1;
        if (o->nv21)
            nv21_view(&in, frame, o->width, o->height);
        else
            rgba_view(&in, frame, o->width, o->height);
        if (!check(meiyan_engine_set_frame_time(engine, i / 30.0), "meiyan_engine_set_frame_time")) goto done;
        t0 = now_ms();
        if (!check(meiyan_engine_process(engine, &in, &out), "meiyan_engine_process")) goto done;
        t1 = now_ms();
        if (i >= o->warmup) res->ms[i - o->warmup] = t1 - t0;
    }
    res->faces = 0;
    if (stage >= STAGE_TRACK) {
        int32_t n = 0;
        if (!check(meiyan_engine_faces(engine, NULL, 0, &n), "meiyan_engine_faces")) goto done;
        res->faces = n;
    }
    res->output_hash = fnv1a(out_pixels, out_bytes);
    res->ran = 1;
    ok = 1;
done:
    /* The renderer name lives as long as its engine: keep a copy. */
    if (engine != NULL) {
        static char name[256];
        if (*renderer != NULL && *renderer != name) {
            strncpy(name, *renderer, sizeof name - 1);
            name[sizeof name - 1] = '\0';
            *renderer = name;
        }
        meiyan_engine_destroy(engine);
    }
    free(out_pixels);
    return ok;
}

static void json_string(FILE* f, const char* s) {
    fputc('"', f);
    for (; *s; ++s) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

typedef struct stats {
    double median, p95, mean, min;
} stats;

static stats stats_of(const double* v, int n) {
    stats s;
    int i;
    s.median = quantile(v, n, 0.5);
    s.p95 = quantile(v, n, 0.95);
    s.mean = 0;
    s.min = v[0];
    for (i = 0; i < n; ++i) {
        s.mean += v[i];
        if (v[i] < s.min) s.min = v[i];
    }
    s.mean /= n;
    return s;
}

static int write_json(const options* o, const frame_set* fs, const config_result* res, const char* renderer) {
    FILE* f = fopen(o->json_path, "w");
    struct utsname u;
    double* diff = (double*)malloc(sizeof(double) * (size_t)o->count);
    int i, k, first = 1, prev = -1, last = -1;
    if (f == NULL || diff == NULL) {
        fprintf(stderr, "meiyan_bench: cannot write %s: %s\n", o->json_path, strerror(errno));
        if (f) fclose(f);
        free(diff);
        return 0;
    }
    if (uname(&u) != 0) memset(&u, 0, sizeof u);
    fprintf(f, "{\n  \"schema\": \"meiyan-bench/1\",\n  \"machine\": {\"sysname\": ");
    json_string(f, u.sysname);
    fprintf(f, ", \"release\": ");
    json_string(f, u.release);
    fprintf(f, ", \"version\": ");
    json_string(f, u.version);
    fprintf(f, ", \"machine\": ");
    json_string(f, u.machine);
    fprintf(f, "},\n  \"abi_version\": %u,\n  \"header_abi_version\": %d,\n  \"version\": ", meiyan_abi_version(),
            MEIYAN_ABI_VERSION);
    json_string(f, meiyan_version_string());
    fprintf(f, ",\n  \"cpu_features\": ");
    json_string(f, meiyan_cpu_features());
    fprintf(f, ",\n  \"build\": ");
    json_string(f, MEIYAN_BENCH_BUILD_INFO);
    fprintf(f, ",\n  \"renderer\": ");
    json_string(f, renderer ? renderer : "");
    fprintf(f, ",\n  \"input\": {\"source\": ");
    json_string(f, o->frames_path ? o->frames_path : "synthetic");
    fprintf(f, ", \"frames\": %d, \"width\": %d, \"height\": %d, \"format\": \"%s\"},\n", fs->count, o->width,
            o->height, o->nv21 ? "nv21" : "rgba");
    fprintf(f, "  \"frames\": %d,\n  \"warmup\": %d,\n  \"threads\": %d,\n  \"max_faces\": %d,\n", o->count, o->warmup,
            o->threads, o->max_faces);
    fprintf(f, "  \"segmentation_interval\": %d,\n  \"configs\": [", o->seg_interval);
    for (k = 0; k < STAGE_COUNT; ++k) {
        stats s;
        if (!res[k].ran) continue;
        s = stats_of(res[k].ms, o->count);
        fprintf(f,
                "%s\n    {\"name\": \"%s\", \"median_ms\": %.4f, \"p95_ms\": %.4f, \"mean_ms\": %.4f, \"min_ms\": %.4f, "
                "\"fps\": %.2f, \"faces\": %d, \"output_fnv1a\": \"%08x\"}",
                first ? "" : ",", kStageNames[k], s.median, s.p95, s.mean, s.min, 1000.0 / s.median, res[k].faces,
                res[k].output_hash);
        first = 0;
        last = k;
    }
    /* A stage's own cost: per-frame difference from the configuration below it, when both ran. */
    fprintf(f, "\n  ],\n  \"stages\": [");
    first = 1;
    for (k = 0; k < STAGE_COUNT; ++k) {
        stats s;
        if (!res[k].ran) {
            prev = -1;
            continue;
        }
        if (k == 0) {
            s = stats_of(res[0].ms, o->count);
        } else if (prev == k - 1) {
            for (i = 0; i < o->count; ++i) diff[i] = res[k].ms[i] - res[k - 1].ms[i];
            s = stats_of(diff, o->count);
        } else {
            prev = k;
            continue;
        }
        fprintf(f, "%s\n    {\"name\": \"%s\", \"median_ms\": %.4f, \"p95_ms\": %.4f}", first ? "" : ",",
                kStageNames[k], s.median, s.p95);
        first = 0;
        prev = k;
    }
    fprintf(f, "\n  ],\n  \"fps\": %.2f\n}\n", last >= 0 ? 1000.0 / quantile(res[last].ms, o->count, 0.5) : 0.0);
    free(diff);
    if (fclose(f) != 0) {
        fprintf(stderr, "meiyan_bench: cannot write %s\n", o->json_path);
        return 0;
    }
    return 1;
}

int main(int argc, char** argv) {
    options o;
    frame_set fs;
    config_result res[STAGE_COUNT];
    meiyan_lut* lut = NULL;
    const char* renderer = NULL;
    int k, rc = 1, parsed = parse_args(argc, argv, &o);
    if (parsed != 0) return parsed == 1 ? 0 : 2;
    if (meiyan_abi_version() != MEIYAN_ABI_VERSION) {
        fprintf(stderr, "meiyan_bench: built for ABI %d, the library has ABI %u\n", MEIYAN_ABI_VERSION,
                meiyan_abi_version());
        return 1;
    }
    memset(res, 0, sizeof res);
    memset(&fs, 0, sizeof fs);
    if (!load_frames(&o, &fs)) goto done;
    lut = make_lut();
    if (lut == NULL) {
        fprintf(stderr, "meiyan_bench: the LUT did not parse: %s\n", meiyan_last_error());
        goto done;
    }
    for (k = 0; k < STAGE_COUNT; ++k) {
        if (o.stages[k] && !run_config(&o, &fs, lut, k, &res[k], &renderer)) goto done;
    }
    if (!o.quiet) {
        printf("meiyan %s (ABI %u), %s, CPU %s, %dx%d %s, %d frames (+%d warm-up)\n", meiyan_version_string(),
               meiyan_abi_version(), renderer ? renderer : "?", meiyan_cpu_features(), o.width, o.height,
               o.nv21 ? "nv21" : "rgba", o.count, o.warmup);
        printf("%-12s %10s %10s %8s %6s\n", "config", "median ms", "p95 ms", "fps", "faces");
        for (k = 0; k < STAGE_COUNT; ++k) {
            stats s;
            if (!res[k].ran) continue;
            s = stats_of(res[k].ms, o.count);
            printf("%-12s %10.3f %10.3f %8.1f %6d\n", kStageNames[k], s.median, s.p95, 1000.0 / s.median,
                   res[k].faces);
        }
    }
    if (o.expect_faces >= 0 && res[STAGE_TRACK].faces < o.expect_faces) {
        fprintf(stderr, "meiyan_bench: expected at least %d face(s) in the last frame, tracked %d\n", o.expect_faces,
                res[STAGE_TRACK].faces);
        goto done;
    }
    if (o.json_path && !write_json(&o, &fs, res, renderer)) goto done;
    rc = 0;
done:
    for (k = 0; k < STAGE_COUNT; ++k) free(res[k].ms);
    free(fs.data);
    meiyan_lut_destroy(lut);
    return rc;
}
