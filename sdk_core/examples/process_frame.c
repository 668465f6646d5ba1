/* Processes one camera frame through the meiyan C API: an NV21 frame in, a graded RGBA frame out.
 * Build: cc -std=c99 process_frame.c -I../include -L<build> -lmeiyan -lstdc++ -ldl -lm */
#include <meiyan/meiyan.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WIDTH 64
#define HEIGHT 48

static int fail(const char* what, meiyan_status s) {
    fprintf(stderr, "%s: %s (%s)\n", what, meiyan_status_string(s), meiyan_last_error());
    return 1;
}

int main(void) {
    static uint8_t nv21[WIDTH * HEIGHT * 3 / 2];
    static uint8_t rgba[WIDTH * HEIGHT * 4];
    static uint8_t plain[WIDTH * HEIGHT * 4];
    meiyan_engine_options options;
    meiyan_engine* engine = NULL;
    meiyan_color_params color;
    meiyan_makeup_params makeup;
    meiyan_tracker_options tracking;
    static uint8_t liner[16 * 16];
    meiyan_image in, out;
    meiyan_status s;
    const char* name = NULL;
    long brighter = 0;
    int x, y, i;

    if (meiyan_abi_version() != MEIYAN_ABI_VERSION) {
        fprintf(stderr, "header and library ABI differ\n");
        return 1;
    }
    /* A horizontal luma ramp with neutral chroma. */
    for (y = 0; y < HEIGHT; ++y)
        for (x = 0; x < WIDTH; ++x) nv21[y * WIDTH + x] = (uint8_t)(16 + x * 219 / (WIDTH - 1));
    memset(nv21 + WIDTH * HEIGHT, 128, WIDTH * HEIGHT / 2);

    memset(&in, 0, sizeof in);
    in.struct_size = sizeof in;
    in.format = MEIYAN_FORMAT_NV21;
    in.width = WIDTH;
    in.height = HEIGHT;
    in.planes[0] = nv21;
    in.strides[0] = WIDTH;
    in.planes[1] = nv21 + WIDTH * HEIGHT;
    in.strides[1] = WIDTH;
    out = in;
    out.format = MEIYAN_FORMAT_RGBA8;
    out.planes[0] = plain;
    out.strides[0] = WIDTH * 4;
    out.planes[1] = NULL;
    out.strides[1] = 0;

    meiyan_engine_options_init(&options);
    s = meiyan_engine_create(&options, &engine);
    if (s != MEIYAN_OK) return fail("meiyan_engine_create", s);
    s = meiyan_engine_renderer_name(engine, &name);
    if (s != MEIYAN_OK) return fail("meiyan_engine_renderer_name", s);
    printf("meiyan %s (ABI %u), renderer %s, CPU %s\n", meiyan_version_string(), meiyan_abi_version(), name,
           meiyan_cpu_features());

    s = meiyan_engine_process(engine, &in, &out); /* neutral: a plain conversion */
    if (s != MEIYAN_OK) return fail("meiyan_engine_process", s);

    meiyan_color_params_init(&color);
    color.brightness = 0.5f;
    color.whitening = 0.3f;
    s = meiyan_engine_set_color(engine, &color);
    if (s != MEIYAN_OK) return fail("meiyan_engine_set_color", s);
    out.planes[0] = rgba;
    s = meiyan_engine_process(engine, &in, &out);
    if (s != MEIYAN_OK) return fail("meiyan_engine_process", s);
    for (i = 0; i < WIDTH * HEIGHT; ++i) brighter += rgba[4 * i] - plain[4 * i];
    printf("mean red gain from brightness/whitening: %.1f levels\n", (double)brighter / (WIDTH * HEIGHT));
    if (brighter <= 0) {
        fprintf(stderr, "graded frame is not brighter\n");
        return 1;
    }

    /* Errors come back as codes with a message; the engine stays usable. */
    color.brightness = 3.0f;
    s = meiyan_engine_set_color(engine, &color);
    if (s != MEIYAN_ERROR_INVALID_ARGUMENT || strstr(meiyan_last_error(), "brightness") == NULL) {
        fprintf(stderr, "out-of-range brightness was not rejected\n");
        return 1;
    }
    printf("rejected as expected: %s\n", meiyan_last_error());
    in.strides[0] = WIDTH - 1;
    s = meiyan_engine_process(engine, &in, &out);
    if (s != MEIYAN_ERROR_INVALID_ARGUMENT) {
        fprintf(stderr, "a short stride was not rejected\n");
        return 1;
    }
    printf("rejected as expected: %s\n", meiyan_last_error());
    in.strides[0] = WIDTH;

    /* Makeup (it shows on the faces the engine tracks: meiyan_engine_enable_faces). The init macro
     * passes sizeof the struct this program was compiled with; eyeliner, lashes, eyeshadow, contour
     * and highlight need a coverage mask painted in the face UV layout first. */
    meiyan_makeup_params_init(&makeup);
    if (makeup.struct_size != sizeof makeup || makeup.eyeliner.blend != MEIYAN_BLEND_NORMAL) {
        fprintf(stderr, "meiyan_makeup_params_init did not fill the struct\n");
        return 1;
    }
    makeup.lips.intensity = 0.6f;
    makeup.eyeliner.intensity = 0.8f;
    s = meiyan_engine_set_makeup(engine, &makeup);
    if (s != MEIYAN_ERROR_UNSUPPORTED) {
        fprintf(stderr, "eyeliner without its mask was not refused\n");
        return 1;
    }
    printf("refused as expected: %s\n", meiyan_last_error());
    for (i = 0; i < 16 * 16; ++i) liner[i] = (uint8_t)(i / 16 == 7 ? 255 : 0); /* a stand-in for a decoded PNG's alpha */
    s = meiyan_engine_set_makeup_mask(engine, MEIYAN_MAKEUP_MASK_EYELINER, liner, 16, 16);
    if (s != MEIYAN_OK) return fail("meiyan_engine_set_makeup_mask", s);
    s = meiyan_engine_set_makeup(engine, &makeup);
    if (s != MEIYAN_OK) return fail("meiyan_engine_set_makeup", s);

    /* Tracker options (ABI 7), set before meiyan_engine_enable_faces or after it: here, raw landmarks
     * and no tile search (a cheaper first frame; faces below ~1/8 of the frame may then be missed). */
    meiyan_tracker_options_init(&tracking);
    tracking.smoothing = 0;
    tracking.tile_search = 0;
    s = meiyan_engine_set_tracker_options(engine, &tracking);
    if (s != MEIYAN_OK) return fail("meiyan_engine_set_tracker_options", s);
    tracking.redetect_interval = 0;
    if (meiyan_engine_set_tracker_options(engine, &tracking) != MEIYAN_ERROR_INVALID_ARGUMENT) {
        fprintf(stderr, "redetect_interval 0 was not rejected\n");
        return 1;
    }
    printf("rejected as expected: %s\n", meiyan_last_error());

    meiyan_engine_destroy(engine);
    printf("ok\n");
    return 0;
}
