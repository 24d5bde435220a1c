/* The model's two compiled loops (model/kernels.py says what they do and why).

   Each does the same floating-point operations, in the same order, as the numpy code it replaces: every
   product and sum is rounded on its own (the build passes -ffp-contract=off, so no multiply-add is fused), and
   nothing is reordered (no -ffast-math). tests/test_kernels.py checks both against that numpy code, bit for bit.

   Arrays come in through the buffer protocol, one-dimensional and C-contiguous, of the exact element type
   each argument names; anything else is refused with a TypeError naming the argument, never read as
   something else. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

enum kind { F64, I64, I32, BOOL };

static const char *KIND_NAMES[] = {"float64", "int64", "int32", "bool"};

/* The element type of a buffer's format: an optional byte-order mark of native order, then one letter. */
static int format_is(const Py_buffer *view, enum kind kind) {
    const char *f = view->format ? view->format : "B";
    if (*f == '@' || *f == '=' || *f == '<')
        f++;
    if (f[0] == '\0' || f[1] != '\0')
        return 0;
    switch (kind) {
    case F64: return f[0] == 'd' && view->itemsize == 8;
    case I64: return strchr("lq", f[0]) != NULL && view->itemsize == 8;
    case I32: return strchr("il", f[0]) != NULL && view->itemsize == 4;
    case BOOL: return f[0] == '?' && view->itemsize == 1;
    }
    return 0;
}

/* Take argument `i` (named `name`) as a 1-d C-contiguous array of `kind`; `writable` for outputs. */
static int take(PyObject *obj, Py_buffer *view, enum kind kind, int writable, const char *name) {
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) != 0) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s must be a C-contiguous %sarray of %s", name,
                     writable ? "writable " : "", KIND_NAMES[kind]);
        return -1;
    }
    if (view->ndim != 1 || !format_is(view, kind)) {
        PyBuffer_Release(view);
        PyErr_Format(PyExc_TypeError, "%s must be a one-dimensional array of %s", name, KIND_NAMES[kind]);
        return -1;
    }
    return 0;
}

static Py_ssize_t length(const Py_buffer *view) { return view->shape[0]; }

static void release(Py_buffer *views, int n) {
    for (int i = 0; i < n; i++)
        PyBuffer_Release(&views[i]);
}

/* Bounds of an index read from an array: a wrong index is an error, never a read outside the buffer. */
static int outside(int64_t index, Py_ssize_t size, const char *name) {
    if (index < 0 || index >= size) {
        PyErr_Format(PyExc_IndexError, "%s holds %lld, outside 0..%zd", name, (long long)index, size - 1);
        return 1;
    }
    return 0;
}

static const char *OFFENDING_ARGS[] = {"propensity", "free", "who", "pull", "neighborhood", "stop_weight", "cdf",
                                       "stop_cdf"};
static const enum kind OFFENDING_KINDS[] = {F64, BOOL, I64, F64, I32, F64, F64, F64};

static PyObject *offending_sums(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    enum { N = 8 };
    Py_buffer v[N];
    if (nargs != N) {
        PyErr_Format(PyExc_TypeError, "offending_sums takes %d arrays, got %zd", N, nargs);
        return NULL;
    }
    for (int i = 0; i < N; i++)
        if (take(args[i], &v[i], OFFENDING_KINDS[i], i >= 6, OFFENDING_ARGS[i]) != 0) {
            release(v, i);
            return NULL;
        }
    const double *propensity = v[0].buf, *pull = v[3].buf, *stop_weight = v[5].buf;
    const char *free_ = v[1].buf;
    const int64_t *who = v[2].buf;
    const int32_t *neighborhood = v[4].buf;
    double *cdf = v[6].buf, *stop_cdf = v[7].buf;
    Py_ssize_t n = length(&v[0]), n_free = length(&v[1]), n_pull = length(&v[3]);
    for (int i = 2; i < N; i++)
        if (i != 3 && length(&v[i]) != n) {
            release(v, N);
            return PyErr_Format(PyExc_ValueError, "%s has %zd elements, propensity %zd", OFFENDING_ARGS[i],
                                length(&v[i]), n);
        }
    double pulled = 0.0, stopped = 0.0, plain = 0.0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (outside(who[i], n_free, "who") || outside(neighborhood[i], n_pull, "neighborhood")) {
            release(v, N);
            return NULL;
        }
        double p = propensity[i] * (double)free_[who[i]];
        pulled += p * pull[neighborhood[i]];
        stopped += p * stop_weight[i];
        plain += p;
        cdf[i] = pulled;
        stop_cdf[i] = stopped;
    }
    release(v, N);
    return PyFloat_FromDouble(plain);
}

static const char *FEAR_ARGS[] = {"ties_sum", "fear", "keep", "s_eff", "divisor", "untied", "threshold", "chilled",
                                  "e_media", "heard", "exposure"};
static const enum kind FEAR_KINDS[] = {F64, F64, F64, F64, F64, I64, F64, BOOL, F64, I64, F64};

static PyObject *fear_week(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    enum { N = 11 };
    Py_buffer v[N];
    if (nargs != N + 2) {
        PyErr_Format(PyExc_TypeError, "fear_week takes %d arrays and 2 numbers, got %zd arguments", N, nargs);
        return NULL;
    }
    double sensitivity = PyFloat_AsDouble(args[N]), contagion = PyFloat_AsDouble(args[N + 1]);
    if (PyErr_Occurred())
        return NULL;
    for (int i = 0; i < N; i++)
        if (take(args[i], &v[i], FEAR_KINDS[i], i == 1 || i == 7, FEAR_ARGS[i]) != 0) {
            release(v, i);
            return NULL;
        }
    const double *ties_sum = v[0].buf, *keep = v[2].buf, *s_eff = v[3].buf, *divisor = v[4].buf;
    const double *threshold = v[6].buf, *e_media = v[8].buf, *exposure = v[10].buf;
    double *fear = v[1].buf;
    char *chilled = v[7].buf;
    const int64_t *untied = v[5].buf, *heard = v[9].buf;
    Py_ssize_t n = length(&v[1]), n_untied = length(&v[5]), n_heard = length(&v[9]);
    static const int PER_RESIDENT[] = {0, 2, 3, 4, 6, 7, 8};
    for (int j = 0; j < 7; j++)
        if (length(&v[PER_RESIDENT[j]]) != n) {
            release(v, N);
            return PyErr_Format(PyExc_ValueError, "%s has %zd elements, fear %zd", FEAR_ARGS[PER_RESIDENT[j]],
                                length(&v[PER_RESIDENT[j]]), n);
        }
    if (length(&v[10]) != n_heard) {
        release(v, N);
        return PyErr_Format(PyExc_ValueError, "exposure has %zd elements, heard %zd", length(&v[10]), n_heard);
    }
    Py_ssize_t k = 0, u = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        double e = e_media[i];
        while (k < n_heard && heard[k] == i) {
            e += exposure[k];
            k++;
        }
        double f = fear[i] * keep[i];
        double s = s_eff[i];
        double gain = (s * sensitivity) * e;
        double mean;
        if (u < n_untied && untied[u] == i) {
            mean = f;
            u++;
        } else {
            mean = ties_sum[i] / divisor[i];
        }
        f = f + (gain + (s * contagion) * (mean - f));
        if (f > 1.0)
            f = 1.0;
        fear[i] = f;
        chilled[i] = f > threshold[i];
    }
    release(v, N);
    Py_RETURN_NONE;
}

static PyMethodDef METHODS[] = {
    {"offending_sums", (PyCFunction)(void (*)(void))offending_sums, METH_FASTCALL,
     "offending_sums(propensity, free, who, pull, neighborhood, stop_weight, cdf, stop_cdf) -> float"},
    {"fear_week", (PyCFunction)(void (*)(void))fear_week, METH_FASTCALL,
     "fear_week(ties_sum, fear, keep, s_eff, divisor, untied, threshold, chilled, e_media, heard, exposure, "
     "sensitivity, contagion) -> None"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "_kernels",
                                    "The model's compiled loops (model/kernels.py).", -1, METHODS,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&MODULE); }
