/*
 * meiyan — real-time on-device face effects. Stable C API (C99).
 *
 * Rules of this API:
 *  - Handles are opaque and distinct types; every function returns a meiyan_status.
 *  - On failure, meiyan_last_error() returns a message for the calling thread.
 *  - Caller-filled structs begin with `struct_size`; set it to sizeof(the struct) so that later
 *    versions can append fields without breaking old callers.
 *  - Pixel buffers belong to the caller; every plane carries its own stride in bytes.
 *  - Functions are only ever appended; MEIYAN_ABI_VERSION grows when something is added.
 */
#ifndef MEIYAN_MEIYAN_H
#define MEIYAN_MEIYAN_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#  if defined(MEIYAN_BUILDING)
#    define MEIYAN_API __declspec(dllexport)
#  else
#    define MEIYAN_API
#  endif
#else
#  define MEIYAN_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define MEIYAN_ABI_VERSION 7

typedef enum meiyan_status {
    MEIYAN_OK = 0,
    MEIYAN_ERROR_INVALID_ARGUMENT = 1, /* null pointer, bad size, stride, format or parameter */
    MEIYAN_ERROR_UNSUPPORTED = 2,      /* valid request this build or device cannot do */
    MEIYAN_ERROR_IO = 3,               /* a file could not be opened or read */
    MEIYAN_ERROR_CORRUPT_DATA = 4,     /* a file or buffer is malformed */
    MEIYAN_ERROR_GL = 5,               /* OpenGL/EGL failure (context, shader, framebuffer) */
    MEIYAN_ERROR_OUT_OF_MEMORY = 6,
    MEIYAN_ERROR_INTERNAL = 7
} meiyan_status;

typedef enum meiyan_pixel_format {
    MEIYAN_FORMAT_RGBA8 = 0,
    MEIYAN_FORMAT_BGRA8 = 1,
    MEIYAN_FORMAT_RGB8 = 2,
    MEIYAN_FORMAT_BGR8 = 3,
    MEIYAN_FORMAT_NV12 = 4,
    MEIYAN_FORMAT_NV21 = 5,
    MEIYAN_FORMAT_I420 = 6
} meiyan_pixel_format;

typedef enum meiyan_backend {
    MEIYAN_BACKEND_CPU = 0,
    MEIYAN_BACKEND_GL = 1 /* OpenGL 3.3 core or OpenGL ES 3.0 */
} meiyan_backend;

typedef enum meiyan_gl_context {
    MEIYAN_GL_CONTEXT_OWN = 0,    /* the engine creates a headless EGL context of its own */
    MEIYAN_GL_CONTEXT_CURRENT = 1 /* render on the context current on the calling thread */
} meiyan_gl_context;

/* Opaque handles. */
typedef struct meiyan_engine_s meiyan_engine;
typedef struct meiyan_lut_s meiyan_lut;
typedef struct meiyan_effect_s meiyan_effect;

/* A caller-owned image. Packed formats use plane 0 only; NV12/NV21 use planes 0 (Y) and 1 (UV/VU);
 * I420 uses planes 0..2. Chroma planes are ceil(width/2) x ceil(height/2). Strides are in bytes
 * and may be negative (bottom-up images). */
typedef struct meiyan_image {
    uint32_t struct_size;
    meiyan_pixel_format format;
    int32_t width;
    int32_t height;
    uint8_t* planes[3];
    ptrdiff_t strides[3];
} meiyan_image;

typedef struct meiyan_engine_options {
    uint32_t struct_size;
    meiyan_backend backend;
    meiyan_gl_context gl_context;
} meiyan_engine_options;

/* Colour grading applied to the whole frame; every field has a neutral value of 0 except
 * lut_intensity (neutral 1 with a LUT set). Ranges are checked: out of range is an error. */
typedef struct meiyan_color_params {
    uint32_t struct_size;
    float brightness;    /* -1..1 */
    float contrast;      /* -1..1 */
    float saturation;    /* -1..1 (-1 = greyscale) */
    float warmth;        /* -1..1 (negative = cooler) */
    float whitening;     /* 0..1 tone curve that lifts mid-tones */
    float lut_intensity; /* 0..1 blend between ungraded and LUT result */
} meiyan_color_params;

/* (ABI 3) Face beautification and reshaping, on the faces the engine tracks.
 * (ABI 5) Teeth whitening, eye brightening and dark-circle softening, appended: a caller built against
 * ABI 3 or 4 passes struct_size 48 and they stay off. */
typedef struct meiyan_beauty_params {
    uint32_t struct_size;
    float smoothing;   /* 0..1 edge-preserving skin smoothing, gated by a skin mask */
    float whitening;   /* 0..1 skin-gated tone curve */
    float rosy;        /* 0..1 pink tint on skin */
    float sharpen;     /* 0..1 unsharp mask on the face */
    float face_slim;   /* 0..1 */
    float v_chin;      /* 0..1 */
    float big_eyes;    /* 0..1 */
    float chin_length; /* -1..1 (positive: longer) */
    float nose_width;  /* -1..1 (positive: wider) */
    float mouth_size;  /* -1..1 (positive: larger) */
    float forehead;    /* -1..1 (positive: higher) */
    float teeth_whiten; /* (ABI 5) 0..1 less yellow, lighter teeth inside the mouth opening */
    float eye_brighten; /* (ABI 5) 0..1 contrast and brightness lift inside the eye openings */
    float dark_circles; /* (ABI 5) 0..1 under-eye band lifted towards the cheek's skin tone */
} meiyan_beauty_params;

typedef enum meiyan_blend {
    MEIYAN_BLEND_NORMAL = 0,
    MEIYAN_BLEND_MULTIPLY = 1,
    MEIYAN_BLEND_SOFT_LIGHT = 2,
    MEIYAN_BLEND_OVERLAY = 3,
    MEIYAN_BLEND_SCREEN = 4 /* (ABI 4) */
} meiyan_blend;

typedef struct meiyan_makeup_layer {
    float color[3];   /* RGB 0..1 */
    float intensity;  /* 0..1, 0 = off */
    meiyan_blend blend;
} meiyan_makeup_layer;

/* (ABI 3) Lipstick, blush and brow tint under masks from the face mesh.
 * (ABI 4) Eyeshadow, eyeliner, lashes, contour and highlight, appended: each drawn from a coverage
 * mask painted in the face UV layout (docs/face_uv_layout.md) that meiyan_engine_set_makeup_mask
 * gives the engine. A caller built against ABI 3 passes struct_size 68: those layers are then off.
 * (ABI 6) Contact lenses, appended: a ring on each iris (pupil kept, clipped by the eyelids), drawn only
 * on faces with iris points (meiyan_engine_set_iris(engine, 1) and the iris network in the models
 * folder); other faces are left as they are. A caller built against ABI 4 or 5 passes struct_size 168:
 * the lenses stay off. */
typedef struct meiyan_makeup_params {
    uint32_t struct_size;
    meiyan_makeup_layer lips;
    float lip_gloss;  /* 0 matte .. 1 gloss */
    meiyan_makeup_layer blush;
    meiyan_makeup_layer brows;
    meiyan_makeup_layer eyeshadow; /* (ABI 4) */
    meiyan_makeup_layer eyeliner;  /* (ABI 4) */
    meiyan_makeup_layer lashes;    /* (ABI 4) */
    meiyan_makeup_layer contour;   /* (ABI 4) */
    meiyan_makeup_layer highlight; /* (ABI 4) */
    meiyan_makeup_layer contacts;  /* (ABI 6) coloured contact lenses (needs iris points) */
} meiyan_makeup_params;

/* (ABI 4) The makeup layers drawn from UV-layout masks. */
typedef enum meiyan_makeup_mask {
    MEIYAN_MAKEUP_MASK_EYESHADOW = 0,
    MEIYAN_MAKEUP_MASK_EYELINER = 1,
    MEIYAN_MAKEUP_MASK_LASHES = 2,
    MEIYAN_MAKEUP_MASK_CONTOUR = 3,
    MEIYAN_MAKEUP_MASK_HIGHLIGHT = 4
} meiyan_makeup_mask;

#define MEIYAN_FACE_LANDMARKS 468

typedef enum meiyan_expression {
    MEIYAN_EXPRESSION_MOUTH_OPEN = 0,
    MEIYAN_EXPRESSION_BLINK_LEFT = 1,
    MEIYAN_EXPRESSION_BLINK_RIGHT = 2,
    MEIYAN_EXPRESSION_BROW_RAISE = 3,
    MEIYAN_EXPRESSION_SMILE = 4,
    MEIYAN_EXPRESSION_COUNT = 5
} meiyan_expression;

/* One tracked face, filled by meiyan_engine_faces. Landmarks follow MediaPipe's 468-point mesh
 * topology, in frame pixels (z: relative depth, pixels). */
typedef struct meiyan_face {
    uint32_t struct_size;
    int32_t id;                                /* stable while the face is tracked */
    float presence;                            /* 0..1 */
    float landmarks[MEIYAN_FACE_LANDMARKS * 3]; /* x, y, z per point, smoothed */
    float roi[5];                              /* centre x, centre y, width, height, rotation (radians) */
    float yaw, pitch, roll;                    /* degrees */
    float rotation[9];                         /* row-major, canonical face -> frame (x right, y down, z away) */
    float translation[3];                      /* frame pixels */
    float scale;                               /* pixels per canonical unit (inter-ocular distance 1) */
    float expressions[MEIYAN_EXPRESSION_COUNT]; /* 0..1, indexed by meiyan_expression */
    uint32_t expressions_active;                /* bit k: expression k is on (with hysteresis) */
} meiyan_face;

/* Library */
MEIYAN_API uint32_t meiyan_abi_version(void);
MEIYAN_API const char* meiyan_version_string(void);
/* Thread-local message of the last failed call on this thread ("" when none). */
MEIYAN_API const char* meiyan_last_error(void);
MEIYAN_API const char* meiyan_status_string(meiyan_status status);
/* Space-separated CPU features the kernels use, e.g. "sse4.1 avx2". Never NULL. */
MEIYAN_API const char* meiyan_cpu_features(void);

/* Defaults for caller-filled structs (sets struct_size too). */
MEIYAN_API void meiyan_engine_options_init(meiyan_engine_options* options);
MEIYAN_API void meiyan_color_params_init(meiyan_color_params* params);
/* Neutral parameters (everything off; makeup layers get their usual colours and blend modes). */
/* (ABI 5) Fills the first struct_size bytes of *params with the defaults and sets params->struct_size
 * to that size (at most sizeof(meiyan_beauty_params)); below 48, the ABI 3 size, *params is left as it is. */
MEIYAN_API void meiyan_beauty_params_init_sized(meiyan_beauty_params* params, uint32_t struct_size);
/* The ABI 3 entry point: fills the ABI 3 fields (48 bytes) only; code compiled with this header gets
 * the macro below, which passes the size of the struct it was compiled with. */
MEIYAN_API void meiyan_beauty_params_init(meiyan_beauty_params* params);
#define meiyan_beauty_params_init(params) \
    meiyan_beauty_params_init_sized((params), (uint32_t)sizeof(meiyan_beauty_params))
/* (ABI 4) Fills the first struct_size bytes of *params with the defaults and sets params->struct_size
 * to that size (at most sizeof(meiyan_makeup_params)); below 68, the ABI 3 size, *params is left as it is. */
MEIYAN_API void meiyan_makeup_params_init_sized(meiyan_makeup_params* params, uint32_t struct_size);
/* The ABI 3 entry point: fills the ABI 3 fields (68 bytes) only, so that programs built against ABI 3
 * keep working. Code compiled with this header gets the macro below instead, which passes the size of
 * the struct it was compiled with (as zlib's deflateInit does). */
MEIYAN_API void meiyan_makeup_params_init(meiyan_makeup_params* params);
#define meiyan_makeup_params_init(params) \
    meiyan_makeup_params_init_sized((params), (uint32_t)sizeof(meiyan_makeup_params))

/* Engine */
MEIYAN_API meiyan_status meiyan_engine_create(const meiyan_engine_options* options, meiyan_engine** out_engine);
MEIYAN_API void meiyan_engine_destroy(meiyan_engine* engine);
/* The GL renderer and version string ("GL: ..."), or "cpu". The pointer lives as long as the engine. */
MEIYAN_API meiyan_status meiyan_engine_renderer_name(const meiyan_engine* engine, const char** out_name);
MEIYAN_API meiyan_status meiyan_engine_set_color(meiyan_engine* engine, const meiyan_color_params* params);
/* The engine keeps its own reference; the caller may destroy its LUT right after. NULL clears it. */
MEIYAN_API meiyan_status meiyan_engine_set_lut(meiyan_engine* engine, const meiyan_lut* lut);
/* (ABI 3) Out-of-range or non-finite values: MEIYAN_ERROR_INVALID_ARGUMENT naming the field; the
 * engine keeps its previous settings. */
MEIYAN_API meiyan_status meiyan_engine_set_beauty(meiyan_engine* engine, const meiyan_beauty_params* params);
MEIYAN_API meiyan_status meiyan_engine_set_makeup(meiyan_engine* engine, const meiyan_makeup_params* params);
/* (ABI 4) The coverage mask of a UV-layout makeup layer: `size` x `size` bytes (1..2048), rows
 * `stride` bytes apart, row 0 the top of the layout (v = 0), 0 = no makeup .. 255 = full (a PNG's
 * alpha). The engine copies it. NULL removes the mask. A layer switched on without its mask, or a
 * mask removed while its layer is on, is MEIYAN_ERROR_UNSUPPORTED. The Python package loads the
 * bundled masks (meiyan/data/makeup/NAME.png) by itself. */
MEIYAN_API meiyan_status meiyan_engine_set_makeup_mask(meiyan_engine* engine, meiyan_makeup_mask layer,
                                                       const uint8_t* coverage, int32_t size, ptrdiff_t stride);
/* Processes one frame. `out` must have the size of `in`; formats may differ. `in` and `out` may be
 * the same buffer. */
MEIYAN_API meiyan_status meiyan_engine_process(meiyan_engine* engine, const meiyan_image* in, const meiyan_image* out);
/* GL backend only: reads RGBA texture `in_texture` and writes texture `out_texture` (both GL_TEXTURE_2D,
 * width x height, RGBA8) on the current context. */
MEIYAN_API meiyan_status meiyan_engine_process_texture(meiyan_engine* engine, uint32_t in_texture,
                                                       uint32_t out_texture, int32_t width, int32_t height);

/* Face tracking with the native engine (ABI 2). `models_dir` holds the shipped .mynn files
 * (face_detection_short_range, face_landmark, optionally face_detection_full_range; fp32 or int8).
 * Once enabled, every meiyan_engine_process call tracks faces (max_faces: 1..16) and the face
 * effects follow them. The detector runs only while fewer than max_faces are tracked (every frame
 * with none, every 30th frame otherwise, every frame for 2 s after a face is lost); besides the whole
 * frame it searches overlapping tiles for small faces (from ~64 px wide at 1280x720): all of them on
 * the first frame (about 70 ms at 1280x720 on one core), two tiles per search after that. */
MEIYAN_API meiyan_status meiyan_engine_enable_faces(meiyan_engine* engine, const char* models_dir, int32_t max_faces);
/* (ABI 4) As meiyan_engine_enable_faces, with the mesh network named: "full" (face_landmark.*.mynn,
 * 192x192) or "lite" (face_landmark_lite.*.mynn, 128x128, trained by `python -m model_export train
 * lite-mesh`; for slow devices). Another name is MEIYAN_ERROR_INVALID_ARGUMENT; a missing file
 * MEIYAN_ERROR_IO. */
MEIYAN_API meiyan_status meiyan_engine_enable_faces_mesh(meiyan_engine* engine, const char* models_dir,
                                                        int32_t max_faces, const char* mesh);
/* The clockwise rotation (0, 90, 180, 270) that makes the camera's frames upright. */
MEIYAN_API meiyan_status meiyan_engine_set_camera_rotation(meiyan_engine* engine, int32_t degrees);
/* (ABI 3) Threads each face-network run may use: 1 (the default) keeps the engine on the calling thread;
 * n > 1 adds n - 1 worker threads; 0 means one per core; 0..64. The landmarks do not depend on it.
 * May be called before or after meiyan_engine_enable_faces. */
MEIYAN_API meiyan_status meiyan_engine_set_threads(meiyan_engine* engine, int32_t threads);
/* Copies up to `capacity` faces of the last processed frame into `faces` (each element's
 * struct_size must be set) and their number into *out_count (which may exceed capacity). */
MEIYAN_API meiyan_status meiyan_engine_faces(const meiyan_engine* engine, meiyan_face* faces, int32_t capacity,
                                             int32_t* out_count);

/* 3D colour lookup tables (.cube, Adobe/Resolve format) */
MEIYAN_API meiyan_status meiyan_lut_load_cube(const char* path, meiyan_lut** out_lut);
MEIYAN_API meiyan_status meiyan_lut_parse_cube(const char* text, size_t length, meiyan_lut** out_lut);
MEIYAN_API meiyan_status meiyan_lut_size(const meiyan_lut* lut, int32_t* out_size);
MEIYAN_API void meiyan_lut_destroy(meiyan_lut* lut);

/* Effect packages (ABI 3; docs/effect_package.md): face stickers with animation and triggers, face masks.
 * The host reads the package (a folder or .zip): it passes manifest.json's text here, then decodes
 * each image the manifest names (meiyan_effect_image_path) and hands its pixels over. */
MEIYAN_API meiyan_status meiyan_effect_create(const char* manifest_json, size_t length, meiyan_effect** out_effect);
MEIYAN_API void meiyan_effect_destroy(meiyan_effect* effect);
/* The images the manifest uses, each once; paths are relative to the package root ('/'-separated)
 * and stay valid while the effect lives. */
MEIYAN_API meiyan_status meiyan_effect_image_count(const meiyan_effect* effect, int32_t* out_count);
MEIYAN_API meiyan_status meiyan_effect_image_path(const meiyan_effect* effect, int32_t index, const char** out_path);
/* RGBA8, BGRA8, RGB8 or BGR8 pixels, 1..2048 per side (copied). */
MEIYAN_API meiyan_status meiyan_effect_set_image(meiyan_effect* effect, int32_t index, const meiyan_image* pixels);
/* Checks a manifest: *out_problem_count problems, described one per line in `problems` (NUL-terminated,
 * truncated to `capacity`; may be NULL when capacity is 0). MEIYAN_OK even when problems are found. */
MEIYAN_API meiyan_status meiyan_effect_validate(const char* manifest_json, size_t length, char* problems,
                                                size_t capacity, int32_t* out_problem_count);
/* The effect drawn on every tracked face from the next frame on (NULL: none). All its images must be
 * set. The engine keeps its own reference: the caller may destroy the handle afterwards. */
MEIYAN_API meiyan_status meiyan_engine_set_effect(meiyan_engine* engine, const meiyan_effect* effect);
/* The time in seconds of the next frame given to meiyan_engine_process (animations follow it);
 * without it the engine uses its own clock. It must not go backwards. */
MEIYAN_API meiyan_status meiyan_engine_set_frame_time(meiyan_engine* engine, double seconds);

/* Background effects (ABI 3): blur, a colour or an image behind the person that the segmenter finds. */
typedef enum meiyan_background_mode {
    MEIYAN_BACKGROUND_NONE = 0,
    MEIYAN_BACKGROUND_BLUR = 1,  /* a lens-like disc blur */
    MEIYAN_BACKGROUND_COLOR = 2,
    MEIYAN_BACKGROUND_IMAGE = 3  /* drawn 'cover'-fitted: scaled to fill the frame, centred, cropped */
} meiyan_background_mode;

typedef struct meiyan_background_params {
    uint32_t struct_size;
    meiyan_background_mode mode;
    float blur;                /* 0..1: lens radius = blur * 5% of the frame's short side */
    float color[3];            /* 0..1 RGB (MEIYAN_BACKGROUND_COLOR) */
    float feather;             /* 0..1: 0 a steep person edge, 1 the soft probabilities */
    const meiyan_image* image; /* MEIYAN_BACKGROUND_IMAGE: any format and size, copied (alpha ignored) */
} meiyan_background_params;

MEIYAN_API void meiyan_background_params_init(meiyan_background_params* params);
/* Loads the person segmentation network (selfie_segmentation.fp32.mynn in `models_dir`). While a
 * background mode is set, every meiyan_engine_process then segments its frame: the network on every
 * `interval`-th frame (1..10; 2 halves its cost), blended in time and refined on every frame. */
MEIYAN_API meiyan_status meiyan_engine_enable_segmentation(meiyan_engine* engine, const char* models_dir,
                                                           int32_t interval);
/* From the next frame on. Processing with a mode other than NONE needs meiyan_engine_enable_segmentation
 * first (else MEIYAN_ERROR_UNSUPPORTED). */
MEIYAN_API meiyan_status meiyan_engine_set_background(meiyan_engine* engine, const meiyan_background_params* params);
/* The person mask of the last processed frame on the effect grid (the frame reduced by a power of two
 * to a 128..255-pixel short side), 0..255 row-major: *out_width x *out_height values are copied into
 * `mask` when `capacity` allows (mask may be NULL when capacity is 0). MEIYAN_ERROR_UNSUPPORTED before
 * the first mask. */
MEIYAN_API meiyan_status meiyan_engine_person_mask(const meiyan_engine* engine, uint8_t* mask, size_t capacity,
                                                   int32_t* out_width, int32_t* out_height);

/* Image utilities on caller buffers (the same kernels the engine uses). */
MEIYAN_API meiyan_status meiyan_image_convert(const meiyan_image* src, const meiyan_image* dst);
/* Rotate clockwise by 0/90/180/270 degrees, then mirror horizontally when mirror != 0. RGBA8/BGRA8. */
MEIYAN_API meiyan_status meiyan_image_rotate(const meiyan_image* src, const meiyan_image* dst, int32_t degrees,
                                             int32_t mirror);
/* Bilinear resize (pixel-centre aligned). RGBA8/BGRA8. */
MEIYAN_API meiyan_status meiyan_image_resize(const meiyan_image* src, const meiyan_image* dst);

/* (ABI 5) The 10 iris points of face `index` of the last processed frame (as meiyan_engine_faces
 * orders them), MediaPipe's refine_landmarks points 468..477: the right eye's iris centre and 4
 * boundary points, then the left eye's; x, y, z per point in frame pixels, smoothed like the
 * landmarks. After meiyan_engine_set_iris(engine, 1), the iris network (iris_landmark.*.mynn beside the
 * face models) runs on both eyes of every tracked face. MEIYAN_ERROR_INVALID_ARGUMENT for an index out
 * of range, MEIYAN_ERROR_UNSUPPORTED when the face has no iris points (iris off, or no iris network in the
 * models folder). */
MEIYAN_API meiyan_status meiyan_engine_face_iris(const meiyan_engine* engine, int32_t index, float out_points[30]);
/* (ABI 5) Iris points on (1) or off (0, the default: two more network runs a face). May be called before
 * or after meiyan_engine_enable_faces; kept across it. */
MEIYAN_API meiyan_status meiyan_engine_set_iris(meiyan_engine* engine, int32_t enabled);

/* (ABI 7) How the tracker follows faces and looks for new ones: what Python's FaceTracker takes as
 * keyword arguments. meiyan_tracker_options_init gives the defaults (the behaviour before ABI 7). */
typedef struct meiyan_tracker_options {
    uint32_t struct_size;
    int32_t smoothing;           /* 1 (default): One-Euro filtered landmarks; 0: as the network gives them */
    float min_cutoff;            /* One-Euro cut-off of a still face, Hz, > 0 (default 1; lower: smoother, more lag) */
    float beta;                  /* One-Euro speed coefficient, >= 0 (default 40; higher: less lag on motion) */
    int32_t rotation_sweep;      /* 1 (default): with no face seen, the detector also tries 90/180/270 degrees */
    int32_t redetect_interval;   /* frames between looks for new faces while fewer than max_faces are tracked,
                                    1..100000 (default 30) */
    int32_t tile_search;         /* 1 (default): the detector also searches overlapping tiles for small faces
                                    (see meiyan_engine_enable_faces); 0: the whole frame only (cheaper first frame) */
    int32_t tile_runs_per_frame; /* tiles searched per look after the first frame, 0..1000 (default 2; 0: all) */
} meiyan_tracker_options;

MEIYAN_API void meiyan_tracker_options_init(meiyan_tracker_options* options);
/* (ABI 7) Sets the tracker options of this engine: applied to a tracker already enabled (it keeps its
 * faces; tile_search then matters from the next look for new faces) and to every later
 * meiyan_engine_enable_faces*. Out-of-range or non-finite values, flags other than 0 and 1, or a
 * struct_size below sizeof(meiyan_tracker_options): MEIYAN_ERROR_INVALID_ARGUMENT naming the field,
 * and the engine keeps its previous options. */
MEIYAN_API meiyan_status meiyan_engine_set_tracker_options(meiyan_engine* engine,
                                                           const meiyan_tracker_options* options);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MEIYAN_MEIYAN_H */
